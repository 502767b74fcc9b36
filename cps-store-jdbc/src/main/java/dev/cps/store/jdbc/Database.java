package dev.cps.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A data source and its dialect, with the two ways this module talks to it: one statement on a
 * pooled connection, or several in one transaction. SQLite lets one writer in at a time; its
 * writers in this process queue on a fair lock here rather than in SQLite's busy handler, which
 * sleeps in steps of up to 100 ms. Writers in other processes still meet the busy timeout.
 */
final class Database {
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
    return writing(operation, connection -> {
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        binder.bind(statement);
        return statement.executeUpdate();
      }
    });
  }

  /** Work that writes, in auto-commit: each of its statements commits on its own. */
  <T> T writing(String operation, Work<T> work) {
    lockWriters();
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    } finally {
      unlockWriters();
    }
  }

  /** Work in one transaction: committed if it returns, rolled back if it throws. */
  <T> T transaction(String operation, Work<T> work) {
    lockWriters();
    try (Connection connection = dataSource.getConnection()) {
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
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    } finally {
      unlockWriters();
    }
  }

  private static void rollbackQuietly(Connection connection, Throwable failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  private void lockWriters() {
    if (writers != null) {
      writers.lock();
    }
  }

  private void unlockWriters() {
    if (writers != null) {
      writers.unlock();
    }
  }
}
