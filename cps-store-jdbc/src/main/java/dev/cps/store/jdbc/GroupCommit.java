package dev.cps.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite's writes from the threads of this process, committed together: each write waits until
 * the transaction that holds it is committed, as in auto-commit, but one commit (and, with {@code
 * synchronous=FULL}, one fsync) serves every write that queued while the previous one ran. No
 * write returns before it is durable, so whatever the engine does after a write, such as sending a
 * CSR to a CA, still follows it on disk.
 *
 * <p>A writer that finds no group running leads one: it takes the queue, runs each write in one
 * {@code BEGIN IMMEDIATE} transaction on the one connection kept for writing, and commits; then it
 * wakes the first writer that queued meanwhile, which leads the next group, and each writer of its
 * own group, and no other. So a write costs its writer one sleep and one wake-up, however many
 * threads wait. A write handed over without waiting ({@link #runAsync}) leads nothing: it waits in
 * the queue for a writer that waits, or for the thread that waits on its future, so that an engine
 * worker that steps a wave of enrollments and then waits for their writes commits them in one
 * group, not one group per write. A write handed over from inside a running group's work joins
 * that group, and its future completes with the group's commit. A work may not wait for a write
 * of its own group (refused at once: it could never end), while a callback of a write may wait for
 * another write of its group. Work of several statements runs in a savepoint of its own: if it
 * fails, it is rolled back to it and fails alone. A single statement that fails (SQLite undoes it, but after an
 * I/O error or a full disk it may have ended the whole transaction) fails the group, as does a
 * failed commit. SQLite compiles a statement anew on every prepare and its JDBC driver caches none,
 * so the writing connection keeps its prepared statements.
 */
final class GroupCommit {
  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
  private final DataSource dataSource;
  private final Queue<Write<?>> queue = new ConcurrentLinkedQueue<>();
  /** Whether a thread is running a group: the one that set it leads until it clears it. */
  private final AtomicBoolean leading = new AtomicBoolean();
  private volatile boolean closed;
  /** Transactions committed, for tests; only the leader writes it. */
  private volatile long commits;
  /** The thread running a group now: work it runs that writes again joins that group. */
  private volatile @Nullable Thread leader;
  /**
   * The group the leader runs now; only the leader touches it. A write handed over from inside
   * that group's work joins it, and completes with it.
   */
  private @Nullable List<Write<?>> running;
  /**
   * The group whose writers this thread is waking, if any: a callback that waits for another write
   * of that group finds it completed first, since no other thread would complete it.
   */
  private final ThreadLocal<@Nullable List<Write<?>>> waking = new ThreadLocal<>();
  /** Only the leader touches the connection and its statements. */
  private @Nullable Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  /** Started with the first write handed over without waiting. */
  private volatile @Nullable Backstop backstop;

  /** How long a write handed over may wait for a thread to wait on it: {@link #UNCLAIMED_NANOS}, or a test's. */
  private final long unclaimedNanos;

  GroupCommit(DataSource dataSource) {
    this(dataSource, UNCLAIMED_NANOS);
  }

  GroupCommit(DataSource dataSource, long unclaimedNanos) {
    this.dataSource = dataSource;
    this.unclaimedNanos = unclaimedNanos;
  }

  /** One caller's work and, once its transaction ended, what came of it. */
  private static final class Write<T> {
    final String operation;
    final Database.Work<T> work;
    /** Several statements, which succeed or fail together. */
    final boolean atomic;
    /** Woken when the write is done or may lead; {@code null} for a write handed over without waiting. */
    final @Nullable Thread writer;
    /** Completed when the write is done, for a write handed over without waiting. */
    final @Nullable CompletableFuture<T> completion;
    @Nullable T result;
    @Nullable RuntimeException failure;
    /** Set once the outcome is written. */
    volatile boolean done;

    Write(String operation, Database.Work<T> work, boolean atomic, @Nullable Thread writer,
        @Nullable CompletableFuture<T> completion) {
      this.operation = operation;
      this.work = work;
      this.atomic = atomic;
      this.writer = writer;
      this.completion = completion;
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
    requireOpen();
    Write<T> mine = new Write<>(operation, work, atomic, Thread.currentThread(), null);
    queue.add(mine);
    boolean interrupted = false;
    while (!mine.done) {
      if (leading.compareAndSet(false, true)) {
        lead(); // keeps this thread's interrupt out of the group, and sets it again
      } else {
        LockSupport.park(this);
        // Woken because the write is done, or because the group before it ended and this one may
        // lead; an interrupt only wakes it, since the write may be committed already.
        interrupted |= Thread.interrupted();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
    return mine.result;
  }

  /**
   * Runs a write in the next commit without waiting for it, for what may be lost in a crash (the
   * release of a lease, which runs out anyway); a failure is logged. With no group running, the
   * caller runs one, so that the write is not left waiting for another.
   */
  void runLater(String operation, Database.Work<?> work) {
    if (leader == Thread.currentThread()) {
      runNested(operation, work, true);
      return;
    }
    queueAndLead(operation, work).whenComplete((result, failure) -> {
      if (failure != null) {
        log.info("{} failed; nobody waited for it: {}", operation, failure.toString());
      }
    });
  }

  /**
   * Runs a single statement's work in a later commit and returns at once: the future completes
   * once that commit is durable, on the thread that led it. The write waits in the queue for a
   * group: one led by a writer that waits ({@link #run}), by whoever waits on this future or on a
   * stage made from it, or by the leader of the group running now. So a thread that hands over
   * many writes and then waits for them all commits them together, rather than each write it
   * hands over while no group runs becoming a group of one. Should nobody wait, the write is
   * committed after {@link #UNCLAIMED_NANOS} all the same.
   */
  <T> CompletableFuture<T> runAsync(String operation, Database.Work<T> work) {
    if (leader == Thread.currentThread()) {
      return runAsyncNested(operation, work);
    }
    Pending<T> completion = new Pending<>();
    if (closed) {
      completion.completeExceptionally(new IllegalStateException("the store is closed"));
      return completion;
    }
    queue.add(new Write<>(operation, work, false, null, completion));
    if (closed) {
      // close() may have ended between the check above and the add, its backstop gone: nobody else
      // would refuse this write.
      leadOnceFree();
    } else if (!leading.get()) {
      backstop().due();
    }
    return completion;
  }

  /**
   * A write handed over from inside the running group: it runs now, in that group's transaction,
   * and its future completes once that transaction has committed, or failed.
   */
  private <T> CompletableFuture<T> runAsyncNested(String operation, Database.Work<T> work) {
    Write<T> nested = new Write<>(operation, work, false, null, new Pending<>());
    try {
      run(connection(), nested);
    } catch (SQLException e) {
      nested.failure = new JdbcStoreException(operation, e);
    } catch (RuntimeException e) {
      nested.failure = e;
    }
    Objects.requireNonNull(running, "the running group").add(nested);
    return Objects.requireNonNull(nested.completion);
  }

  /**
   * How long a write handed over without waiting may sit in the queue while no group runs and
   * nobody waits for it: long next to a worker's round of steps, which ends in a wait that
   * commits the round's writes together.
   */
  static final long UNCLAIMED_NANOS = 50_000_000;

  /**
   * The future of a write handed over without waiting, and of every stage made from it: waiting on
   * it first commits what is queued if no group runs, since no other thread may be about to.
   */
  private final class Pending<T> extends CompletableFuture<T> {
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new Pending<>();
    }

    @Override
    public T join() {
      commitQueuedFor(this);
      return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
      commitQueuedFor(this);
      return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
      commitQueuedFor(this);
      return super.get(timeout, unit);
    }
  }

  /**
   * Leads a group for the writes queued, unless the future is done or a group runs already. A
   * thread waking a group first completes the rest of it: a callback of one of its writes may be
   * waiting for another. The leader may not wait here: a write of its own group completes only
   * after the work that waits.
   */
  private void commitQueuedFor(CompletableFuture<?> awaited) {
    if (awaited.isDone()) {
      return;
    }
    List<Write<?>> woken = waking.get();
    if (woken != null) {
      woken.forEach(GroupCommit::wake);
      if (awaited.isDone()) {
        return;
      }
    }
    if (leader == Thread.currentThread()) {
      throw new IllegalStateException("a write's work waits for a write that commits with it, after that work:"
          + " it would wait for ever");
    }
    leadIfIdle();
  }

  /** Leads a group if writes are queued and none runs. */
  private void leadIfIdle() {
    if (!queue.isEmpty() && leading.compareAndSet(false, true)) {
      lead();
    }
  }

  /** Queues atomic work nobody waits for, and leads a group for it if none runs. */
  private <T> CompletableFuture<T> queueAndLead(String operation, Database.Work<T> work) {
    CompletableFuture<T> completion = new CompletableFuture<>();
    if (closed) {
      completion.completeExceptionally(new IllegalStateException("the store is closed"));
      return completion;
    }
    queue.add(new Write<>(operation, work, true, null, completion));
    if (leading.compareAndSet(false, true)) {
      lead();
    }
    return completion;
  }

  private Backstop backstop() {
    Backstop started = backstop;
    if (started == null) {
      synchronized (this) {
        started = backstop;
        if (started == null) {
          started = new Backstop();
          backstop = started;
        }
      }
    }
    return started;
  }

  /**
   * Commits the writes handed over without waiting that nobody waited for in time ({@code
   * unclaimedNanos}): a daemon thread, asleep while no such write is queued.
   */
  private final class Backstop implements Runnable {
    private final Thread thread;
    private volatile boolean due;

    Backstop() {
      thread = new Thread(this, "cps-sqlite-unclaimed-writes");
      thread.setDaemon(true);
      thread.start();
    }

    /** A write was queued while no group ran. */
    void due() {
      if (!due) {
        due = true;
        LockSupport.unpark(thread);
      }
    }

    @Override
    public void run() {
      while (!closed) {
        if (!due) {
          LockSupport.park(this);
          continue;
        }
        long deadline = System.nanoTime() + unclaimedNanos;
        for (long left = unclaimedNanos; left > 0 && !closed; left = deadline - System.nanoTime()) {
          LockSupport.parkNanos(this, left);
        }
        due = false;
        if (!closed) {
          leadIfIdle();
        }
      }
    }

    void stop() {
      LockSupport.unpark(thread);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the store is closed");
    }
  }

  /**
   * Groups one call of {@link #lead} commits at most before its thread goes back to its own work:
   * what queued meanwhile, which nobody waits for yet, goes to whoever waits next or to the
   * backstop.
   */
  static final int MAX_GROUPS_PER_LEAD = 8;

  /**
   * Commits what is queued, as the leader, and lets go; wakes the first writer that queued
   * meanwhile to lead the next group (it queued before this thread let go, or it would have led
   * itself), then the writers of this group. If only writes nobody waits for queued meanwhile, this
   * thread commits them too, up to {@link #MAX_GROUPS_PER_LEAD} groups.
   */
  private void lead() {
    boolean interrupted = false;
    try {
      for (int groups = 1; ; groups++) {
        // The others' writes must not fail for this thread's interrupt (the pool refuses a
        // connection to an interrupted thread): it is set again once this thread stops leading.
        interrupted |= Thread.interrupted();
        List<Write<?>> group = new ArrayList<>();
        for (Write<?> write = queue.poll(); write != null; write = queue.poll()) {
          group.add(write);
        }
        Error fatal = null;
        try {
          if (closed) {
            refuse(group);
          } else if (!group.isEmpty()) {
            leader = Thread.currentThread();
            running = group;
            if (commit(group)) {
              commits++;
            }
          }
        } catch (RuntimeException | Error e) {
          // Past commit's own handling (an error, a bug): no write of the group may pass for
          // committed, and each is woken all the same.
          failUnsettled(group, new SQLException("the transaction ended in an unexpected failure", e));
          fatal = e instanceof Error error ? error : null;
        } finally {
          running = null;
          leader = null;
          for (Write<?> write : group) {
            write.done = true;
          }
          leading.set(false);
        }
        // The next leader first, so that the next commit need not wait for this group's wake-ups.
        boolean handedOver = wakeNextLeader();
        wakeAll(group);
        if (fatal != null) {
          throw fatal;
        }
        if (handedOver || queue.isEmpty()) {
          return;
        }
        if (groups >= MAX_GROUPS_PER_LEAD && !closed) {
          backstop().due();
          return;
        }
        if (!leading.compareAndSet(false, true)) {
          return;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Wakes the group's writers, noting the group for callbacks that wait on one of its writes. */
  private void wakeAll(List<Write<?>> group) {
    List<Write<?>> outer = waking.get(); // a callback of an outer group's write led this one
    waking.set(group);
    try {
      for (Write<?> write : group) {
        wake(write);
      }
    } finally {
      if (outer == null) {
        waking.remove();
      } else {
        waking.set(outer);
      }
    }
  }

  /** Fails, for the cause, every write of the group that has not failed on its own. */
  private static void failUnsettled(List<Write<?>> group, SQLException cause) {
    for (Write<?> write : group) {
      if (write.failure == null) {
        write.result = null;
        write.failure = new JdbcStoreException(write.operation, cause);
      }
    }
  }

  private boolean wakeNextLeader() {
    for (Write<?> queued : queue) {
      if (queued.writer != null) {
        LockSupport.unpark(queued.writer);
        return true;
      }
    }
    return false;
  }

  private static <T> void wake(Write<T> write) {
    if (write.completion != null) {
      if (write.failure == null) {
        write.completion.complete(write.result);
      } else {
        write.completion.completeExceptionally(write.failure);
      }
    } else if (write.writer != null && write.writer != Thread.currentThread()) {
      LockSupport.unpark(write.writer);
    }
  }

  private static void refuse(List<Write<?>> writes) {
    for (Write<?> write : writes) {
      write.failure = new IllegalStateException("the store was closed before " + write.operation);
    }
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
      // Writes handed over from inside these join the list as they run; they have run then.
      int queued = group.size();
      for (int i = 0; i < queued; i++) {
        run(writing, group.get(i));
      }
      execute(writing, "COMMIT");
      return true;
    } catch (Throwable e) {
      // The transaction is gone: none of its writes happened, and each one that had not failed alone
      // fails now (also for what a work threw past its signature).
      rollbackQuietly();
      failUnsettled(group, e instanceof SQLException sql ? sql : new SQLException("the transaction failed", e));
      return false;
    }
  }

  /** Work that a write of the running group does: part of that group, in a savepoint if atomic. */
  private <T> T runNested(String operation, Database.Work<T> work, boolean atomic) {
    Write<T> nested = new Write<>(operation, work, atomic, null, null);
    try {
      run(connection(), nested);
    } catch (SQLException e) {
      throw new JdbcStoreException(operation, e);
    }
    if (nested.failure != null) {
      throw nested.failure;
    }
    return nested.result;
  }

  /** Runs one write: in a savepoint of its own if it is atomic. */
  private <T> void run(Connection writing, Write<T> write) throws SQLException {
    if (write.atomic) {
      runInSavepoint(writing, write);
    } else {
      write.result = write.work.run(writing);
    }
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
      connection = Database.inAutoCommit(dataSource.getConnection());
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
    boolean rolledBack = false;
    try (var rollback = broken.createStatement()) {
      rollback.execute("ROLLBACK");
      rolledBack = true;
    } catch (SQLException | RuntimeException e) {
      // no transaction was open, or the connection (or its driver) is broken: it goes all the same
    }
    // Not back to the pool, where a connection still in a transaction would keep SQLite's write lock,
    // and a later COMMIT on it would commit writes whose writers were told they failed.
    if (dataSource instanceof HikariDataSource pool) {
      pool.evictConnection(broken);
      return;
    }
    try {
      if (!rolledBack && broken.isWrapperFor(SQLiteConnection.class)) {
        broken.unwrap(SQLiteConnection.class).close(); // SQLite rolls back what a closing connection left open
      }
    } catch (SQLException | RuntimeException e) {
      // closed, or broken, already
    }
    try {
      broken.close();
    } catch (SQLException | RuntimeException e) {
      // it was broken
    }
  }

  /** Transactions committed so far. */
  long commits() {
    return commits;
  }

  /** Writes waiting for the next group. */
  int queued() {
    return queue.size();
  }

  /** Waits for the running group to end (it can take long: another process's lock), then leads. */
  private void leadOnceFree() {
    while (!leading.compareAndSet(false, true)) {
      LockSupport.parkNanos(this, 100_000);
    }
    lead();
  }

  /**
   * Waits for the running group, commits the writes queued by then, fails those queued after, and
   * hands the writing connection back to the pool.
   */
  void close() {
    if (leader == Thread.currentThread()) {
      throw new IllegalStateException("a write's work may not close the store: its group could never end");
    }
    // Writes handed over without waiting are committed, as they would have been by now.
    leadOnceFree();
    closed = true;
    Backstop started = backstop;
    if (started != null) {
      started.stop();
    }
    do {
      // A group led now fails its writes; the connection is closed under this lead.
      leadOnceFree();
    } while (!queue.isEmpty());
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
  }
}
