package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.ds.PGSimpleDataSource;

class MigrationsTest {
  @TempDir
  Path directory;

  @ParameterizedTest
  @EnumSource(Databases.class)
  void fourNodesStartingAtOnceMigrateOnce(Databases kind) throws Exception {
    String url = kind.newUrl(directory);
    int nodes = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    List<JdbcStores> opened = new ArrayList<>();
    try {
      List<Future<JdbcStores>> results = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        Callable<JdbcStores> node = () -> {
          start.await();
          return JdbcStores.builder().url(url).poolSize(2).keyEncryptionKey(TestKeks.first()).build();
        };
        results.add(pool.submit(node));
      }
      start.countDown();
      for (Future<JdbcStores> result : results) {
        opened.add(result.get(60, TimeUnit.SECONDS));
      }
      for (JdbcStores stores : opened) {
        assertThat(stores.schemaVersion()).isEqualTo(1);
      }
      List<Integer> versions = Databases.sql(opened.get(0), connection -> {
        List<Integer> found = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
            "SELECT version FROM cps_schema_version ORDER BY version");
            ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            found.add(rows.getInt(1));
          }
        }
        return found;
      });
      assertThat(versions).containsExactly(1);
    } finally {
      opened.forEach(JdbcStores::close);
      pool.shutdownNow();
    }
  }

  /**
   * A host's pool that hands out connections outside auto-commit, in a transaction its test query
   * began, on a database that runs REPEATABLE READ: the migration still sets its isolation level
   * first thing in a transaction of its own.
   */
  @Test
  void aHostPoolWhoseConnectionsComeInATransactionAlreadyStillMigratesOnPostgresql() throws Exception {
    PGSimpleDataSource begun = new PGSimpleDataSource() {
      private static final long serialVersionUID = 1L;

      @Override
      public Connection getConnection() throws SQLException {
        Connection connection = super.getConnection();
        connection.setAutoCommit(false);
        Databases.execute(connection, "SELECT 1"); // as a pool's test query on borrow
        return connection;
      }
    };
    String url = Databases.POSTGRESQL.newUrl(directory);
    try (Connection connection = DriverManager.getConnection(url)) {
      // Else READ COMMITTED is the level already, and setting it again is allowed at any point.
      Databases.execute(connection, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET"
          + " default_transaction_isolation = ''repeatable read''', current_database()); END $$");
    }
    begun.setURL(url);
    try (JdbcStores stores = JdbcStores.builder().dataSource(begun).build()) {
      assertThat(stores.schemaVersion()).isEqualTo(1);
    }
  }

  /**
   * Nodes whose host pools run REPEATABLE READ, all waiting for the migration lock while another
   * node holds it: each reads the schema version only once it has the lock, and finds it done.
   */
  @Test
  void nodesOnRepeatableReadPoolsThatWaitedForTheLockMigrateOnceOnPostgresql() throws Exception {
    String url = Databases.POSTGRESQL.newUrl(directory);
    int nodes = 3;
    ExecutorService starting = Executors.newFixedThreadPool(nodes);
    List<HikariDataSource> pools = new ArrayList<>();
    List<JdbcStores> opened = new ArrayList<>();
    try (Connection holder = DriverManager.getConnection(url)) {
      holder.setAutoCommit(false);
      Databases.execute(holder, "SELECT pg_advisory_xact_lock(" + Migrations.ADVISORY_LOCK + ")");
      List<Future<JdbcStores>> results = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(2);
        config.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        results.add(starting.submit(() -> JdbcStores.builder().dataSource(pool).build()));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> Databases.waitingForALock(url) == nodes);
      holder.commit(); // ends the lock: the first to take it migrates, the others find it done

      for (Future<JdbcStores> result : results) {
        opened.add(result.get(60, TimeUnit.SECONDS));
      }
      assertThat(opened).allSatisfy(stores -> assertThat(stores.schemaVersion()).isEqualTo(1));
    } finally {
      opened.forEach(JdbcStores::close);
      pools.forEach(HikariDataSource::close);
      starting.shutdownNow();
    }
  }

  /**
   * Two connections switching one file to write-ahead logging at once can each hold the read lock
   * the other's switch waits for; SQLite then answers {@code SQLITE_BUSY} without waiting. CI saw
   * one of four nodes fail so, as a pool that could not start; here, one new file in about 75 did.
   * Forty new files, four nodes each.
   */
  @Test
  void nodesOpeningANewSqliteFileAtOnceAllStartInWriteAheadLogging() throws Exception {
    int nodes = 4;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    try {
      for (int file = 0; file < 40; file++) {
        String url = Databases.SQLITE.newUrl(directory);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> modes = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          modes.add(pool.submit(() -> {
            start.await();
            try (JdbcStores stores = JdbcStores.builder().url(url).poolSize(2)
                .keyEncryptionKey(TestKeks.first()).build()) {
              return stores.database().read("reading the journal mode", connection -> {
                try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
                  rows.next();
                  return rows.getString(1);
                }
              });
            }
          }));
        }
        start.countDown();
        for (Future<String> mode : modes) {
          assertThat(mode.get(60, TimeUnit.SECONDS)).as("journal mode of file %d", file).isEqualTo("wal");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aDatabaseMigratedByANewerLibraryIsRefused(Databases kind) {
    String url = kind.newUrl(directory);
    try (JdbcStores stores = JdbcStores.builder().url(url).build()) {
      Databases.sql(stores, connection -> {
        Databases.execute(connection, "INSERT INTO cps_schema_version (version, installed_at) VALUES (2, 0)");
        return null;
      });
    }
    assertThatThrownBy(() -> JdbcStores.builder().url(url).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schema is at version 2")
        .hasMessageContaining("upgrade the library");
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aScriptThatFailsHalfWayLeavesNothingBehind(Databases kind) throws SQLException {
    String url = kind.newUrl(directory);
    try (JdbcStores stores = JdbcStores.builder().url(url).build()) {
      Databases.sql(stores, connection -> {
        // Back to an empty schema, but for a table in the way of the script's last CREATE TABLE.
        Databases.execute(connection, "DROP TABLE cps_private_key");
        Databases.execute(connection, "DROP TABLE cps_key_encryption_key");
        Databases.execute(connection, "DROP TABLE cps_enrollment");
        Databases.execute(connection, "DELETE FROM cps_schema_version");
        Databases.execute(connection, "CREATE TABLE cps_private_key (id TEXT)");
        return null;
      });
    }
    assertThatThrownBy(() -> JdbcStores.builder().url(url).build())
        .isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("migrating the schema");
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM cps_schema_version")) {
        rows.next();
        assertThat(rows.getInt(1)).as("versions recorded").isZero();
      }
      // The tables the script created before it failed went with the transaction.
      assertThatThrownBy(() -> statement.executeQuery("SELECT COUNT(*) FROM cps_enrollment").close())
          .isInstanceOf(SQLException.class);
    }
  }

  @Test
  void statementsAreSplitAtLineEndSemicolonsAndCommentsDropped() {
    assertThat(Migrations.statements("-- a comment\nCREATE TABLE a (x INT);\n\nCREATE INDEX i\n  ON a (x);\n"))
        .containsExactly("CREATE TABLE a (x INT)", "CREATE INDEX i\n  ON a (x)");
  }
}
