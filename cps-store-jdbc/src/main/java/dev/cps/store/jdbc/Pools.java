package dev.cps.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Locale;

/**
 * HikariCP pools for a JDBC URL. SQLite connections are opened with {@code BEGIN IMMEDIATE}
 * transactions (a transaction takes the write lock when it begins, so two never deadlock upgrading
 * a read), a 30-second busy timeout for writers in other processes, and foreign keys on. The file
 * is switched to write-ahead logging once, by {@link Migrations}, not by every new connection:
 * connections switching at once can deadlock, and SQLite then fails one without waiting.
 */
final class Pools {
  static final int DEFAULT_SQLITE_SIZE = 4;
  static final int DEFAULT_POSTGRESQL_SIZE = 10;
  /** How long an SQLite connection waits for another process's write lock. */
  static final Duration SQLITE_BUSY_TIMEOUT = Duration.ofSeconds(30);

  private Pools() {}

  static boolean isSqlite(String url) {
    return url.toLowerCase(Locale.ROOT).startsWith("jdbc:sqlite:");
  }

  static boolean isPostgresql(String url) {
    return url.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:");
  }

  /**
   * @param size connections at most; 0 for the default of the database
   * @param synchronous SQLite's {@code synchronous} setting; ignored for PostgreSQL
   */
  static HikariDataSource open(String url, int size, String synchronous) {
    if (!isSqlite(url) && !isPostgresql(url)) {
      throw new IllegalArgumentException("url must start with jdbc:sqlite: or jdbc:postgresql:, was '"
          + redact(url) + "'");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("cps-store");
    if (isSqlite(url)) {
      config.setMaximumPoolSize(size > 0 ? size : DEFAULT_SQLITE_SIZE);
      config.addDataSourceProperty("synchronous", synchronous);
      config.addDataSourceProperty("busy_timeout", Long.toString(SQLITE_BUSY_TIMEOUT.toMillis()));
      config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
      config.addDataSourceProperty("foreign_keys", "true");
      // Else the driver follows every INSERT with a query for its rowid, which no store asks for:
      // a sixth of the one writer's time in a burst of enrollments.
      config.addDataSourceProperty("jdbc.get_generated_keys", "false");
      config.addDataSourceProperty("cache_size", "-16384"); // 16 MiB of pages per connection
    } else {
      config.setMaximumPoolSize(size > 0 ? size : DEFAULT_POSTGRESQL_SIZE);
    }
    config.setMinimumIdle(1);
    return new HikariDataSource(config);
  }

  /** The URL without its query, where a password may be. */
  static String redact(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?...";
  }
}
