package dev.cps.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;

/**
 * Brings the schema up to date on start from the versioned scripts {@code migrations/<dialect>/V1.sql},
 * {@code V2.sql}, ... (numbered without gaps), recording each applied version in
 * {@code cps_schema_version}. Everything happens in one transaction, so a failed script leaves
 * the schema as it was. Two nodes starting at once take turns: PostgreSQL through a
 * transaction-scoped advisory lock, SQLite through its single write lock ({@code BEGIN IMMEDIATE}).
 * The second finds the versions the first applied and applies nothing.
 *
 * <p>A database at a higher version than this library's scripts was migrated by a newer
 * library: it is refused rather than written to.
 */
final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  /** The advisory lock key, "CPS" plus one: the same for every node of a cluster. */
  static final long ADVISORY_LOCK = 0x4350_5301L;

  private Migrations() {}

  /** Applies what is missing; returns the schema version the database is at afterwards. */
  static int migrate(Database database, Clock clock) {
    List<String> scripts = scripts(database.dialect);
    if (database.dialect == Dialect.SQLITE) {
      database.read("switching SQLite to write-ahead logging", Migrations::switchToWriteAheadLogging);
    }
    return database.transaction("migrating the schema", connection -> {
      if (database.dialect == Dialect.POSTGRESQL) {
        // Each statement reads what committed before it: under a host pool's REPEATABLE READ the
        // whole transaction would read as of the lock's request, and a node that waited for another
        // node's migration would not see it, and run it again.
        // A host's pool outside auto-commit may have begun the transaction already (a test query):
        // the level can only be set first thing in one, so that one ends here, with nothing in it.
        connection.rollback();
        try (Statement isolation = connection.createStatement()) {
          isolation.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
        }
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
          lock.setLong(1, ADVISORY_LOCK);
          lock.execute();
        }
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE IF NOT EXISTS cps_schema_version (version INTEGER NOT NULL PRIMARY KEY,"
            + " installed_at BIGINT NOT NULL)");
      }
      int current = currentVersion(connection);
      if (current > scripts.size()) {
        throw new IllegalStateException("the database schema is at version " + current
            + ", newer than this library's " + scripts.size() + ": upgrade the library, or use another database");
      }
      for (int version = current + 1; version <= scripts.size(); version++) {
        apply(connection, scripts.get(version - 1));
        try (PreparedStatement record = connection.prepareStatement(
            "INSERT INTO cps_schema_version (version, installed_at) VALUES (?, ?)")) {
          record.setInt(1, version);
          record.setLong(2, Micros.down(clock.instant()));
          record.executeUpdate();
        }
        log.info("Database schema migrated to version {}", version);
      }
      return scripts.size();
    });
  }

  /**
   * Readers never block the writer and the writer never blocks readers: a lasting property of the
   * file, and one that cannot change inside a transaction. Nodes opening a new file at once can
   * each hold the read lock that another's switch waits for; SQLite then fails the switch with
   * {@code SQLITE_BUSY} at once rather than call the busy handler, which could only deadlock. So a
   * busy switch is tried again, after a short random pause, for as long as the busy timeout.
   */
  private static @Nullable Void switchToWriteAheadLogging(Connection connection) throws SQLException {
    long deadline = System.nanoTime() + Pools.SQLITE_BUSY_TIMEOUT.toNanos();
    try (Statement statement = connection.createStatement()) {
      while (true) {
        try (ResultSet mode = statement.executeQuery("PRAGMA journal_mode=WAL")) {
          String now = mode.next() ? mode.getString(1) : null;
          if (!"wal".equalsIgnoreCase(now)) {
            // An in-memory database (one per connection) or a file SQLite cannot share: the
            // stores' connections would not see one another's writes.
            throw new IllegalStateException("SQLite stayed in journal mode " + now + " instead of switching to"
                + " write-ahead logging: give the stores a database file they can share");
          }
          return null;
        } catch (SQLException e) {
          // The low byte of SQLite's extended result code is its primary code.
          boolean busy = (e.getErrorCode() & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code;
          if (!busy || System.nanoTime() - deadline > 0) {
            throw e;
          }
          LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1_000_000, 20_000_000));
          if (Thread.currentThread().isInterrupted()) {
            throw e;
          }
        }
      }
    }
  }

  private static int currentVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT COALESCE(MAX(version), 0) FROM cps_schema_version")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static void apply(Connection connection, String script) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String sql : statements(script)) {
        statement.execute(sql);
      }
    }
  }

  /** The script's statements: comment lines dropped, split where a line ends with a semicolon. */
  static List<String> statements(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        statements.add(current.substring(0, current.lastIndexOf(";")).strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      statements.add(current.toString().strip());
    }
    return statements;
  }

  private static List<String> scripts(Dialect dialect) {
    List<String> scripts = new ArrayList<>();
    for (int version = 1; ; version++) {
      String name = "migrations/" + dialect.scripts + "/V" + version + ".sql";
      try (InputStream in = Migrations.class.getResourceAsStream(name)) {
        if (in == null) {
          break;
        }
        scripts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("could not read migration script " + name, e);
      }
    }
    if (scripts.isEmpty()) {
      throw new IllegalStateException("no migration scripts for " + dialect + " on the class path");
    }
    return scripts;
  }
}
