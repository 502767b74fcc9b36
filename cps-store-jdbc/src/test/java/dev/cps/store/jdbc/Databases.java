package dev.cps.store.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

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

  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
