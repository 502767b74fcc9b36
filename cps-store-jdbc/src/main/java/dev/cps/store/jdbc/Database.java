package dev.cps.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A data source and its dialect, with the ways this module talks to it: reads on a pooled
 * connection, and writes of one statement or several, each durable when its call returns.
 *
 * <p>SQLite lets one writer in at a time. Its writers in this process do not queue in SQLite's busy
 * handler, which sleeps in steps of up to 100 ms, but in a {@link GroupCommit}, which commits the
 * writes of all of them together; each still returns only once its write is durable. Writers in
 * other processes meet the busy timeout.
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
  /** SQLite only. */
  private final @Nullable GroupCommit group;

  Database(DataSource dataSource, Dialect dialect) {
    this(dataSource, dialect, GroupCommit.UNCLAIMED_NANOS);
  }

  /** @param unclaimedNanos SQLite: how long a write handed over waits for a group before one is led for it */
  Database(DataSource dataSource, Dialect dialect, long unclaimedNanos) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.group = dialect == Dialect.SQLITE ? new GroupCommit(dataSource, unclaimedNanos) : null;
  }

  /**
   * A connection of the pool. SQLite's is put in auto-commit if the host's pool hands it out
   * otherwise: the stores begin their own transactions there ({@code BEGIN IMMEDIATE}), and the
   * switch to write-ahead logging cannot run inside one. The pool resets it when it goes back.
   */
  private Connection connection() throws SQLException {
    return dialect == Dialect.SQLITE ? inAutoCommit(dataSource.getConnection()) : dataSource.getConnection();
  }

  static Connection inAutoCommit(Connection connection) throws SQLException {
    try {
      if (!connection.getAutoCommit()) {
        connection.setAutoCommit(true);
      }
      return connection;
    } catch (SQLException | RuntimeException e) {
      try {
        connection.close();
      } catch (SQLException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** Writes waiting for the next SQLite group, for tests; 0 elsewhere. */
  int queued() {
    return group == null ? 0 : group.queued();
  }

  /** Reads on a connection of its own, in auto-commit. */
  <T> T read(String operation, Work<T> work) {
    try (Connection connection = connection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    }
  }

  /** One writing statement, committed when this returns; returns the update count. */
  int write(String operation, String sql, Binder binder) {
    if (group == null) {
      return writing(operation, connection -> {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
          binder.bind(statement);
          return statement.executeUpdate();
        }
      });
    }
    return group.run(operation, update(group, sql, binder), false);
  }

  /**
   * One writing statement, handed over without waiting: the future completes with the update count
   * once the statement is durable (SQLite: with the next group). Elsewhere, a {@link #write} before
   * this returns.
   */
  CompletableFuture<Integer> writeAsync(String operation, String sql, Binder binder) {
    if (group == null) {
      try {
        return CompletableFuture.completedFuture(write(operation, sql, binder));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return group.runAsync(operation, update(group, sql, binder));
  }

  /**
   * One writing statement that may be lost in a crash, such as the release of a lease (which runs
   * out anyway): SQLite commits it with the next group, without this call waiting for that group;
   * a failure is logged. Elsewhere, a {@link #write}.
   */
  void writeLater(String operation, String sql, Binder binder) {
    if (group == null) {
      write(operation, sql, binder);
      return;
    }
    group.runLater(operation, update(group, sql, binder));
  }

  /** The statement on the group's writing connection, prepared once. */
  private static Work<Integer> update(GroupCommit group, String sql, Binder binder) {
    return connection -> {
      PreparedStatement statement = group.statement(connection, sql);
      binder.bind(statement);
      return statement.executeUpdate();
    };
  }

  /** Work that writes, committed when this returns: statement by statement, or (SQLite) all together. */
  <T> T writing(String operation, Work<T> work) {
    if (group != null) {
      return group.run(operation, work, true);
    }
    try (Connection connection = connection()) {
      // A host's pool may hand out connections outside auto-commit, and roll back what is left
      // uncommitted when one goes back: committed here, all together.
      return connection.getAutoCommit() ? work.run(connection) : committed(connection, work);
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    }
  }

  /** Work in one transaction: committed if it returns, rolled back if it throws. */
  <T> T transaction(String operation, Work<T> work) {
    if (group != null) {
      return group.run(operation, work, true);
    }
    try (Connection connection = connection()) {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        return committed(connection, work);
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    }
  }

  /** The work on a connection outside auto-commit: committed if it returns, rolled back if it throws. */
  private static <T> T committed(Connection connection, Work<T> work) throws SQLException {
    try {
      T result = work.run(connection);
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      rollbackQuietly(connection, e);
      throw e;
    }
  }

  /** Hands the writers' connection back to the pool. */
  @Override
  public void close() {
    if (group != null) {
      group.close();
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
