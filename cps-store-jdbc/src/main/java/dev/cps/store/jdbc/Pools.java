package dev.cps.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.sqlite.SQLiteConfig;

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
  /** The settings sqlite-jdbc takes from a URL's query. */
  private static final Set<String> SQLITE_PARAMETERS = Arrays.stream(SQLiteConfig.Pragma.values())
      .map(pragma -> pragma.pragmaName)
      .collect(Collectors.toUnmodifiableSet());

  /**
   * Host and port (or several, or none, for the defaults), a slash, then a database name, or a
   * database name alone: what pgjdbc parses without complaint.
   */
  private static final Pattern POSTGRESQL_URL = Pattern.compile(
      "(?i)jdbc:postgresql:(//(/[^/?]*)?|//[^/?]+/[^/?]*|[^/?][^?]*)(\\?.*)?");
  /** What SQLite itself reads from a {@code file:} URI's query (sqlite-jdbc opens every file as a URI). */
  private static final Set<String> SQLITE_URI_PARAMETERS =
      Set.of("vfs", "mode", "cache", "psow", "nolock", "immutable", "modeof");

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
    requireUsable(url);
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

  /**
   * Refuses, before any driver sees it, a URL that would open something other than one database
   * file or server database. SQLite's driver opens {@code :memory:} (a database per connection,
   * so each pooled connection would see another) and takes unknown parameters into the file's
   * name; PostgreSQL's logs a malformed URL whole, password included, before failing.
   *
   * @throws IllegalArgumentException naming the URL, without its query
   */
  static void requireUsable(String url) {
    if (isSqlite(url)) {
      String file = url.substring("jdbc:sqlite:".length());
      int query = file.indexOf('?');
      String path = query < 0 ? file : file.substring(0, query);
      if (path.isBlank() || path.contains(":memory:") || path.startsWith("file:") && url.contains("mode=memory")) {
        throw new IllegalArgumentException("url must name an SQLite file, as in jdbc:sqlite:cps.db; an in-memory"
            + " database is another one for each connection, was '" + redact(url) + "'");
      }
      if (query >= 0) {
        boolean uri = path.regionMatches(true, 0, "file:", 0, 5);
        for (String parameter : file.substring(query + 1).split("&")) {
          String name = parameter.split("=", 2)[0].strip().toLowerCase(Locale.ROOT); // as sqlite-jdbc reads it
          if (!name.isEmpty() && !SQLITE_PARAMETERS.contains(name) && !(uri && SQLITE_URI_PARAMETERS.contains(name))) {
            throw new IllegalArgumentException("url has the parameter '" + name + "', which SQLite's driver does not"
                + " know (it would take it into the file's name), in '" + redact(url) + "'");
          }
        }
      }
    } else if (isPostgresql(url)) {
      if (!POSTGRESQL_URL.matcher(url).matches()) {
        throw new IllegalArgumentException("url must be jdbc:postgresql://host[:port]/database[?parameters] (or"
            + " jdbc:postgresql:database), was '" + redact(url) + "'");
      }
    } else {
      throw new IllegalArgumentException("url must start with jdbc:sqlite: or jdbc:postgresql:, was '"
          + redact(url) + "'");
    }
  }

  /** The URL without its query, where a password may be. */
  static String redact(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?...";
  }
}
