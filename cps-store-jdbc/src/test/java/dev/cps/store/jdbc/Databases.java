package dev.cps.store.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Where a test's store lives: a fresh SQLite file, or a fresh database on the test PostgreSQL. */
enum Databases {
  SQLITE,
  POSTGRESQL;

  /** A URL of an empty database; {@code directory} holds the SQLite file. */
  String newUrl(Path directory) {
    return switch (this) {
      case SQLITE -> "jdbc:sqlite:" + directory.resolve("cps-" + System.nanoTime() + ".db");
      case POSTGRESQL -> PostgresServer.shared().createDatabase();
    };
  }

  /** Empties the store's tables, for a contract test that wants an empty store per test. */
  static void truncate(JdbcStores stores) {
    stores.database().writing("emptying the test tables", connection -> {
      try (Statement statement = connection.createStatement()) {
        statement.execute("DELETE FROM cps_enrollment");
        statement.execute("DELETE FROM cps_private_key");
      }
      return null;
    });
  }

  static <T> T sql(JdbcStores stores, Database.Work<T> work) {
    return stores.database().writing("a test's SQL", work);
  }

  /**
   * Holds an SQLite group open on one of {@code threads}: its work waits for the returned latch, so
   * that the writes after it queue for the next group. Returns once the work is under way.
   */
  static CountDownLatch holdAGroup(JdbcStores stores, ExecutorService threads) throws InterruptedException {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    threads.submit(() -> stores.database().writing("holding a group", connection -> {
      inside.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    if (!inside.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the group to hold did not start within 10 s");
    }
    return release;
  }

  /** Sessions on the PostgreSQL database of the URL that wait for a lock (a row's, or an advisory one). */
  static int waitingForALock(String url) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement();
        ResultSet count = statement.executeQuery("SELECT count(*) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
      count.next();
      return count.getInt(1);
    }
  }

  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
