package dev.cps.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * SQLite's writes from the threads of this process, committed together: each write waits until
 * the transaction that holds it is committed, as in auto-commit, but one commit (and, with {@code
 * synchronous=FULL}, one fsync) serves every write that queued while the previous one ran. No
 * write returns before it is durable, so whatever the engine does after a write, such as sending a
 * CSR to a CA, still follows it on disk.
 *
 * <p>The first waiting writer leads: it takes the queue, runs each write in one {@code BEGIN
 * IMMEDIATE} transaction on the one connection kept for writing, commits, and hands each writer its
 * result. Work of several statements runs in a savepoint of its own: if it fails, it is rolled back
 * to it and fails alone. A single statement that fails (SQLite undoes it, but after an I/O error
 * or a full disk it may have ended the whole transaction) fails the group, as does a failed
 * commit. SQLite compiles a statement anew on every prepare and its JDBC driver caches none, so
 * the writing connection keeps its prepared statements.
 */
final class GroupCommit {
  private final DataSource dataSource;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition committed = lock.newCondition();
  /** Guarded by {@link #lock}. */
  private List<Write<?>> queue = new ArrayList<>();
  /** Guarded by {@link #lock}. */
  private boolean leading;
  private volatile boolean closed;
  /** Guarded by {@link #lock}: transactions committed, for tests. */
  private long commits;
  /** The thread running a group now: work it runs that writes again joins that group. */
  private volatile @Nullable Thread leader;
  /** Only the leader touches the connection and its statements. */
  private @Nullable Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  GroupCommit(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** One caller's work and, once its transaction ended, what came of it. */
  private static final class Write<T> {
    final String operation;
    final Database.Work<T> work;
    /** Several statements, which succeed or fail together. */
    final boolean atomic;
    /** Guarded by the lock; the outcome is written before it is set. */
    boolean done;
    @Nullable T result;
    @Nullable RuntimeException failure;

    Write(String operation, Database.Work<T> work, boolean atomic) {
      this.operation = operation;
      this.work = work;
      this.atomic = atomic;
    }
  }

  /**
   * Runs the work in the next commit and returns its result once that commit is durable.
   *
   * @param atomic whether the work is several statements, to be rolled back alone if it fails
   */
  <T> T run(String operation, Database.Work<T> work, boolean atomic) {
    if (leader == Thread.currentThread()) {
      return runNested(operation, work, atomic);
    }
    if (closed) {
      throw new IllegalStateException("the store is closed");
    }
    Write<T> mine = new Write<>(operation, work, atomic);
    boolean interrupted = false;
    lock.lock();
    try {
      queue.add(mine);
      while (!mine.done) {
        if (leading) {
          try {
            committed.await();
          } catch (InterruptedException e) {
            interrupted = true; // the write may be committed already: it has to be waited for
          }
          continue;
        }
        leading = true;
        List<Write<?>> group = queue;
        queue = new ArrayList<>();
        lock.unlock();
        boolean committedGroup = false;
        // The others' writes must not fail for this thread's interrupt (the pool refuses a
        // connection to an interrupted thread): it is set again once the group is done.
        interrupted |= Thread.interrupted();
        try {
          leader = Thread.currentThread();
          committedGroup = commit(group);
        } finally {
          leader = null;
          lock.lock();
          if (committedGroup) {
            commits++;
          }
          for (Write<?> write : group) {
            write.done = true; // under the lock: its writer reads the outcome under it
          }
          leading = false;
          committed.signalAll();
        }
      }
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
    return mine.result;
  }

  /** A statement kept prepared on the writing connection, for work passed to {@link #run}. */
  PreparedStatement statement(Connection writing, String sql) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = writing.prepareStatement(sql);
      statements.put(sql, statement);
    }
    statement.clearParameters();
    return statement;
  }

  /** @return whether the transaction committed */
  private boolean commit(List<Write<?>> group) {
    try {
      Connection writing = connection();
      execute(writing, "BEGIN IMMEDIATE");
      for (Write<?> write : group) {
        if (write.atomic) {
          runInSavepoint(writing, write);
        } else {
          run(writing, write);
        }
      }
      execute(writing, "COMMIT");
      return true;
    } catch (Throwable e) {
      // The transaction is gone: none of its writes happened, and each one that had not failed alone
      // fails now (also for what a work threw past its signature).
      rollbackQuietly();
      SQLException cause = e instanceof SQLException sql ? sql : new SQLException("the transaction failed", e);
      for (Write<?> write : group) {
        if (write.failure == null) {
          write.result = null;
          write.failure = new JdbcStoreException(write.operation, cause);
        }
      }
      return false;
    }
  }

  /** Work that a write of the running group does: part of that group, in a savepoint if atomic. */
  private <T> T runNested(String operation, Database.Work<T> work, boolean atomic) {
    Write<T> nested = new Write<>(operation, work, atomic);
    try {
      Connection writing = connection();
      if (atomic) {
        runInSavepoint(writing, nested);
      } else {
        run(writing, nested);
      }
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    }
    if (nested.failure != null) {
      throw nested.failure;
    }
    return nested.result;
  }

  private static <T> void run(Connection writing, Write<T> write) throws SQLException {
    write.result = write.work.run(writing);
  }

  /**
   * Runs one write; one that fails is rolled back to its savepoint, and its failure recorded.
   *
   * @throws SQLException if the savepoint could not be rolled back: the transaction is lost
   */
  private <T> void runInSavepoint(Connection writing, Write<T> write) throws SQLException {
    execute(writing, "SAVEPOINT cps_write");
    try {
      write.result = write.work.run(writing);
    } catch (SQLException | RuntimeException e) {
      execute(writing, "ROLLBACK TO cps_write");
      execute(writing, "RELEASE cps_write");
      write.failure = e instanceof SQLException sql ? new JdbcStoreException(write.operation, sql)
          : (RuntimeException) e;
      return;
    }
    execute(writing, "RELEASE cps_write");
  }

  private void execute(Connection writing, String sql) throws SQLException {
    statement(writing, sql).execute();
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = dataSource.getConnection();
    }
    return connection;
  }

  /** After a failure the connection may be broken: the next group opens another. */
  private void rollbackQuietly() {
    Connection broken = connection;
    connection = null;
    statements.clear();
    if (broken == null) {
      return;
    }
    try (var rollback = broken.createStatement()) {
      rollback.execute("ROLLBACK");
    } catch (SQLException e) {
      // no transaction was open, or the connection is broken
    }
    // Not back to the pool, where a connection still in a transaction would keep SQLite's write lock.
    if (dataSource instanceof HikariDataSource pool) {
      pool.evictConnection(broken);
    } else {
      try {
        broken.close();
      } catch (SQLException e) {
        // it was broken
      }
    }
  }

  /** Transactions committed so far. */
  long commits() {
    lock.lock();
    try {
      return commits;
    } finally {
      lock.unlock();
    }
  }

  /** Writes waiting for the next group. */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Hands the writing connection back to the pool once no group is running. */
  void close() {
    closed = true;
    lock.lock();
    try {
      while (leading) {
        committed.awaitUninterruptibly();
      }
      Connection open = connection;
      connection = null;
      statements.clear();
      if (open != null) {
        try {
          open.close();
        } catch (SQLException e) {
          // closing anyway
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
