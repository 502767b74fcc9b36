package dev.cps.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A data source and its dialect, with the ways this module talks to it: reads on a pooled
 * connection, writes in auto-commit, or several statements in one transaction.
 *
 * <p>SQLite lets one writer in at a time. Its writers in this process queue on a fair lock here,
 * rather than in SQLite's busy handler, which sleeps in steps of up to 100 ms, and write through
 * one connection kept for them, whose prepared statements are kept too: SQLite compiles a
 * statement anew on every prepare, and the JDBC driver caches none. Writers in other processes
 * still meet the busy timeout.
 */
final class Database implements AutoCloseable {
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  final DataSource dataSource;
  final Dialect dialect;
  private final @Nullable ReentrantLock writers;
  /** SQLite only, guarded by {@link #writers}: the writers' connection and its statements. */
  private @Nullable Connection writer;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  Database(DataSource dataSource, Dialect dialect) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.writers = dialect == Dialect.SQLITE ? new ReentrantLock(true) : null;
  }

  /** Reads on a connection of its own, in auto-commit. */
  <T> T read(String operation, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    }
  }

  /** One writing statement, in auto-commit; returns the update count. */
  int write(String operation, String sql, Binder binder) {
    if (writers == null) {
      return writing(operation, connection -> {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
          binder.bind(statement);
          return statement.executeUpdate();
        }
      });
    }
    writers.lock();
    try {
      PreparedStatement statement = statements.get(sql);
      if (statement == null) {
        statement = writer().prepareStatement(sql);
        statements.put(sql, statement);
      }
      statement.clearParameters();
      binder.bind(statement);
      return statement.executeUpdate();
    } catch (SQLException e) {
      dropWriter();
      throw new JdbcStoreException(operation, e);
    } finally {
      writers.unlock();
    }
  }

  /** Work that writes, in auto-commit: each of its statements commits on its own. */
  <T> T writing(String operation, Work<T> work) {
    if (writers == null) {
      try (Connection connection = dataSource.getConnection()) {
        return work.run(connection);
      } catch (SQLException e) {
        throw new JdbcStoreException(operation, e);
      }
    }
    writers.lock();
    try {
      return work.run(writer());
    } catch (SQLException e) {
      dropWriter();
      throw new JdbcStoreException(operation, e);
    } finally {
      writers.unlock();
    }
  }

  /** Work in one transaction: committed if it returns, rolled back if it throws. */
  <T> T transaction(String operation, Work<T> work) {
    if (writers == null) {
      try (Connection connection = dataSource.getConnection()) {
        return inTransaction(connection, work);
      } catch (SQLException e) {
        throw new JdbcStoreException(operation, e);
      }
    }
    writers.lock();
    try {
      return inTransaction(writer(), work);
    } catch (SQLException e) {
      dropWriter();
      throw new JdbcStoreException(operation, e);
    } finally {
      writers.unlock();
    }
  }

  private static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      T result = work.run(connection);
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      rollbackQuietly(connection, e);
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  private Connection writer() throws SQLException {
    if (writer == null) {
      writer = dataSource.getConnection();
    }
    return writer;
  }

  /** After a failure the writers' connection may be broken: the next write opens another. */
  private void dropWriter() {
    Connection broken = writer;
    writer = null;
    statements.clear();
    if (broken != null) {
      try {
        broken.close();
      } catch (SQLException e) {
        // it was broken
      }
    }
  }

  /** Hands the writers' connection back to the pool. */
  @Override
  public void close() {
    if (writers != null) {
      writers.lock();
      try {
        dropWriter();
      } finally {
        writers.unlock();
      }
    }
  }

  private static void rollbackQuietly(Connection connection, Throwable failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

}
