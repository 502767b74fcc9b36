package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/** The URLs a pool is opened for, the settings of its SQLite connections, and what a refused store hands back. */
class PoolsTest {
  @TempDir
  Path directory;

  /** The driver's default runs a rowid query after every INSERT, in the one writer's time. */
  @Test
  void sqliteConnectionsFetchNoGeneratedKeys() throws Exception {
    try (HikariDataSource pool = Pools.open("jdbc:sqlite:" + directory.resolve("pool.db"), 0, "FULL");
        Connection connection = pool.getConnection()) {
      assertThat(connection.unwrap(SQLiteConnection.class).getConnectionConfig().isGetGeneratedKeys()).isFalse();
    }
  }

  /** The stores keep one connection for writing: with one in all, every read would wait for it in vain. */
  @Test
  void anSqlitePoolOfOneConnectionIsRefusedBeforeAnythingIsOpened() {
    Path file = directory.resolve("one.db");
    assertThatThrownBy(() -> JdbcStores.builder().url("jdbc:sqlite:" + file).poolSize(1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poolSize must be at least 2 for SQLite")
        .hasMessageContaining("was 1");
    assertThat(Files.exists(file)).as("database file created").isFalse();
    try (JdbcStores two = JdbcStores.builder().url("jdbc:sqlite:" + file).poolSize(2).build()) {
      assertThat(two.enrollments().list()).isEmpty();
    }
  }

  /** A store refused when it opens (here: the wrong KEK) hands the host's pool every connection back. */
  @Test
  void aStoreRefusedWhenItOpensHandsEveryConnectionBack() {
    String url = "jdbc:sqlite:" + directory.resolve("refused.db");
    try (JdbcStores first = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.first()).build()) {
      first.keys().generate(KeyId.of("k"), KeyType.EC_P256);
    }
    try (HikariDataSource host = Pools.open(url, 4, "FULL")) {
      assertThatThrownBy(() -> JdbcStores.builder().dataSource(host).keyEncryptionKey(TestKeks.impostor()).build())
          .isInstanceOf(WrongKeyEncryptionKeyException.class);
      assertThat(host.getHikariPoolMXBean().getActiveConnections()).as("connections still out").isZero();
    }
  }

  /**
   * A URL that would open something else than one database is refused before any driver sees it,
   * naming the URL without its query, and creates no file.
   */
  @Test
  void urlsThatOpenNoSingleDatabaseAreRefusedBeforeAnythingIsOpened() throws Exception {
    String typo = "jdbc:sqlite:" + directory.resolve("typo.db") + "?jurnal_mode=wal";
    for (String url : List.of("jdbc:sqlite::memory:", "jdbc:sqlite:", "jdbc:sqlite:file::memory:?cache=shared",
        "jdbc:sqlite:file:cps?mode=memory&cache=shared", typo)) {
      assertThatThrownBy(() -> JdbcStores.builder().url(url).build()).as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("url");
    }
    assertThatThrownBy(() -> JdbcStores.builder().url(typo).build()).hasMessageContaining("'jurnal_mode'");
    for (String url : List.of("jdbc:postgresql://db:5432?user=cps&password=s3cret",
        "jdbc:postgresql://db:5432/cps/extra?password=s3cret", "jdbc:postgresql:?password=s3cret")) {
      assertThatThrownBy(() -> JdbcStores.builder().url(url).build()).as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("url must be jdbc:postgresql://host[:port]/database")
          .hasMessageNotContaining("s3cret");
    }
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files).as("files created").isEmpty();
    }
    try (JdbcStores parameters = JdbcStores.builder()
        .url("jdbc:sqlite:" + directory.resolve("set.db") + "?busy_timeout=1000&foreign_keys=true").build()) {
      assertThat(parameters.enrollments().list()).isEmpty();
    }
    for (String url : List.of("jdbc:sqlite:cps.db?Foreign_Keys=on&&busy_timeout=5",
        "jdbc:sqlite:file:/data/cps.db?vfs=unix-dotfile", "jdbc:sqlite:file:cps.db?cache=shared&nolock=1",
        "jdbc:postgresql://?service=cps", "jdbc:postgresql:///",
        "jdbc:postgresql:cps", "jdbc:postgresql://db1:5432,db2:5433/cps?targetServerType=primary",
        "jdbc:postgresql://[::1]:5432/cps", "jdbc:postgresql://db/cps?password=pa#ss")) {
      Pools.requireUsable(url); // what the drivers accept, and names one database
    }
    assertThatThrownBy(() -> Pools.requireUsable("jdbc:postgresql:/")).isInstanceOf(IllegalArgumentException.class);
  }

  /** A host's pool of in-memory SQLite databases (one per connection) cannot hold the stores. */
  @Test
  void aHostPoolOfInMemoryDatabasesIsRefused() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:sqlite::memory:");
    config.setMaximumPoolSize(2);
    try (HikariDataSource host = new HikariDataSource(config)) {
      assertThatThrownBy(() -> JdbcStores.builder().dataSource(host).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("stayed in journal mode memory");
      assertThat(host.getHikariPoolMXBean().getActiveConnections()).as("connections still out").isZero();
    }
  }

  /** An option that would be ignored is refused: the host would believe it in force. */
  @Test
  void optionsThatDoNotApplyAreRefusedBeforeAnythingIsOpened() {
    Path file = directory.resolve("options.db");
    try (HikariDataSource host = Pools.open("jdbc:sqlite:" + file, 2, "FULL")) {
      assertThatThrownBy(() -> JdbcStores.builder().dataSource(host).sqliteSynchronous("NORMAL").build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("sqliteSynchronous NORMAL configures the pool opened for a url");
      assertThatThrownBy(() -> JdbcStores.builder().dataSource(host).poolSize(8).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("poolSize 8 configures the pool opened for a url");
    }
    assertThatThrownBy(() -> JdbcStores.builder().url("jdbc:postgresql://127.0.0.1:1/cps?password=s3cret")
        .sqliteSynchronous("NORMAL").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sqliteSynchronous NORMAL is for an SQLite url")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void previousKeksWithoutAKekAreRefusedBeforeAnythingIsOpened() {
    Path file = directory.resolve("previous.db");
    assertThatThrownBy(() -> JdbcStores.builder().url("jdbc:sqlite:" + file)
        .previousKeyEncryptionKeys(TestKeks.first()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("previousKeyEncryptionKeys needs a keyEncryptionKey");
    assertThat(Files.exists(file)).as("database file created").isFalse();
  }

  /**
   * A store built from a URL and refused when it opens closes the writer's connection too: the
   * pool, closed with it still out, would only drop it, and SQLite's driver then never closes the
   * file.
   */
  @Test
  void aStoreBuiltFromAUrlAndRefusedWhenItOpensClosesEveryConnectionToItsFile() throws Exception {
    Path file = directory.resolve("refused-url.db");
    String url = "jdbc:sqlite:" + file;
    try (JdbcStores first = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.first()).build()) {
      first.keys().generate(KeyId.of("k"), KeyType.EC_P256);
    }
    long before = openDescriptorsOf(file);
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.impostor()).build())
          .isInstanceOf(WrongKeyEncryptionKeyException.class);
    }
    assertThat(openDescriptorsOf(file)).as("descriptors of this process open on the database file").isEqualTo(before);
  }

  /** This process's file descriptors open on the file (Linux). */
  private static long openDescriptorsOf(Path file) throws IOException {
    Path real = file.toRealPath();
    try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
      return descriptors.filter(descriptor -> {
        try {
          return Files.readSymbolicLink(descriptor).equals(real);
        } catch (IOException e) {
          return false; // closed meanwhile
        }
      }).count();
    }
  }
}
