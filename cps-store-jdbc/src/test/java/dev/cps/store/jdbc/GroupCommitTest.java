package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite's writes from many threads, committed together. Each test holds the first group open
 * (its work waits on a latch) while the writes under test queue behind it, so that they form the
 * next group together.
 */
class GroupCommitTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @TempDir
  Path directory;

  private HikariDataSource dataSource;
  private GroupCommit group;
  private ExecutorService writers;

  @BeforeEach
  void open() {
    dataSource = Pools.open("jdbc:sqlite:" + directory.resolve("group.db"), 0, "FULL");
    group = new GroupCommit(dataSource);
    group.run("creating the table", connection -> {
      Databases.execute(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
      return null;
    }, false);
    writers = Executors.newCachedThreadPool();
  }

  @AfterEach
  void close() {
    writers.shutdownNow();
    group.close();
    dataSource.close();
  }

  @Test
  void writesThatQueueDuringACommitShareTheNext() throws Exception {
    long before = group.commits();
    CountDownLatch release = holdTheFirstGroup();
    List<Future<Integer>> queued = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      int id = i;
      queued.add(writers.submit(() -> insert(id, "row " + id)));
    }
    await().atMost(PATIENCE).until(() -> group.queued() == 7);
    release.countDown();
    for (Future<Integer> write : queued) {
      assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }
    assertThat(group.commits() - before).as("transactions for 8 writes").isEqualTo(2);
    assertThat(names()).hasSize(8);
  }

  @Test
  void workOfSeveralStatementsThatFailsIsRolledBackAloneAndTheOthersCommit() throws Exception {
    CountDownLatch release = holdTheFirstGroup();
    Future<Integer> good = writers.submit(() -> insert(1, "good"));
    Future<Object> bad = writers.submit(() -> group.run("a failing rotation", connection -> {
      insertOn(connection, 2, "half done");
      throw new IllegalStateException("the second half failed");
    }, true));
    await().atMost(PATIENCE).until(() -> group.queued() == 2);
    release.countDown();

    assertThat(good.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the second half failed");
    assertThat(names()).containsExactly("first", "good");
  }

  @Test
  void aSingleStatementThatFailsFailsItsGroupAndTheNextGroupWorks() throws Exception {
    CountDownLatch release = holdTheFirstGroup();
    Future<Integer> innocent = writers.submit(() -> insert(1, "innocent"));
    Future<Integer> broken = writeToAMissingTable(group);
    await().atMost(PATIENCE).until(() -> group.queued() == 2);
    release.countDown();

    assertThatThrownBy(() -> innocent.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("missing");
    assertThatThrownBy(() -> broken.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JdbcStoreException.class);
    assertThat(names()).as("the group was rolled back").containsExactly("first");
    assertThat(insert(3, "after")).isEqualTo(1);
    assertThat(names()).containsExactly("first", "after");
  }

  @Test
  void workThatWritesAgainJoinsItsOwnGroup() {
    int inserted = group.run("writing twice", connection -> insertOn(connection, 1, "outer") + insert(2, "inner"),
        true);
    assertThat(inserted).isEqualTo(2);
    assertThat(names()).containsExactly("outer", "inner");
  }

  @Test
  void aWriterInterruptedWhileWaitingStillGetsItsOutcomeAndKeepsTheInterrupt() throws Exception {
    CountDownLatch release = holdTheFirstGroup();
    AtomicBoolean stillInterrupted = new AtomicBoolean();
    Future<Integer> write = writers.submit(() -> {
      Thread.currentThread().interrupt();
      int inserted = insert(1, "interrupted");
      stillInterrupted.set(Thread.interrupted());
      return inserted;
    });
    await().atMost(PATIENCE).until(() -> group.queued() == 1);
    release.countDown();
    assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(stillInterrupted).isTrue();
    assertThat(names()).containsExactly("first", "interrupted");
  }

  @Test
  void aWriteNobodyWaitsForRidesWithTheNextGroupOrRunsAtOnceWhenNoneRuns() {
    group.runLater("inserting alone", connection -> insertOn(connection, 1, "alone"));
    assertThat(names()).as("committed before the call returned").containsExactly("alone");

    CountDownLatch release = holdTheFirstGroup();
    group.runLater("inserting later", connection -> insertOn(connection, 2, "later"));
    assertThat(group.queued()).as("queued behind the running group, the caller gone on").isEqualTo(1);
    release.countDown();
    await().atMost(PATIENCE).until(() -> names().contains("later"));
    assertThat(names()).containsExactly("first", "alone", "later");
  }

  @Test
  void writesHandedOverWithoutWaitingCommitWithTheNextGroupAndCompleteOnlyThen() throws Exception {
    CountDownLatch release = holdTheFirstGroup();
    List<CompletableFuture<Integer>> handedOver = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      int id = i;
      handedOver.add(group.runAsync("inserting " + id, connection -> insertOn(connection, id, "row " + id)));
    }
    Future<Integer> waiting = writers.submit(() -> insert(6, "row 6"));
    await().atMost(PATIENCE).until(() -> group.queued() == 6);
    assertThat(handedOver).as("nothing completes before its commit").noneMatch(CompletableFuture::isDone);
    long before = group.commits();
    release.countDown();

    assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    for (CompletableFuture<Integer> write : handedOver) {
      assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }
    assertThat(group.commits() - before).as("the first group and the next").isEqualTo(2);
    assertThat(names()).hasSize(7);
  }

  @Test
  void aWriteHandedOverWithoutWaitingThatFailsFailsItsFutureAndTheNextGroupWorks() throws Exception {
    CompletableFuture<Integer> alone = group.runAsync("inserting alone", connection -> insertOn(connection, 1, "alone"));
    assertThat(alone.join()).as("committed by the wait").isEqualTo(1);

    CountDownLatch release = holdTheFirstGroup();
    CompletableFuture<Integer> duplicate =
        group.runAsync("inserting a duplicate", connection -> insertOn(connection, 1, "duplicate"));
    CompletableFuture<Integer> innocent = group.runAsync("inserting 2", connection -> insertOn(connection, 2, "two"));
    await().atMost(PATIENCE).until(() -> group.queued() == 2);
    release.countDown();

    assertThatThrownBy(() -> duplicate.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JdbcStoreException.class);
    assertThatThrownBy(() -> innocent.get(10, TimeUnit.SECONDS))
        .as("a single statement that fails fails its group").hasCauseInstanceOf(JdbcStoreException.class);
    assertThat(names()).containsExactly("first", "alone");
    assertThat(group.runAsync("inserting 3", connection -> insertOn(connection, 3, "three")).get(10, TimeUnit.SECONDS))
        .isEqualTo(1);
    assertThat(names()).containsExactly("first", "alone", "three");
  }

  @Test
  void writesHandedOverWithoutWaitingWaitForWhoeverWaitsOnThemAndCommitTogether() {
    GroupCommit patient = new GroupCommit(dataSource, TimeUnit.MINUTES.toNanos(10)); // no backstop here
    try {
      long before = patient.commits();
      List<CompletableFuture<Integer>> handedOver = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        int id = i;
        handedOver.add(patient.runAsync("inserting " + id, connection -> insertOn(connection, id, "row " + id)));
      }
      assertThat(handedOver).as("no group ran, and none was started for them").noneMatch(CompletableFuture::isDone);
      assertThat(patient.queued()).isEqualTo(5);

      // A stage made from a write's future leads the group as the future itself would.
      assertThat(handedOver.get(4).thenApply(count -> count * 10).join()).isEqualTo(10);
      assertThat(handedOver).allMatch(write -> write.isDone() && !write.isCompletedExceptionally());
      assertThat(patient.commits() - before).as("one commit for all five").isEqualTo(1);
      assertThat(names()).containsExactly("row 1", "row 2", "row 3", "row 4", "row 5");
    } finally {
      patient.close();
    }
  }

  @Test
  void aWriteHandedOverThatNobodyWaitsForIsCommittedAllTheSame() {
    CompletableFuture<Integer> unclaimed =
        group.runAsync("inserting unclaimed", connection -> insertOn(connection, 1, "unclaimed"));
    await().atMost(PATIENCE).until(unclaimed::isDone);
    assertThat(unclaimed).isCompletedWithValue(1);
    assertThat(names()).containsExactly("unclaimed");
  }

  @Test
  void closingWaitsForTheRunningGroupCommitsWhatIsQueuedAndRefusesWhatComesAfter() throws Exception {
    CountDownLatch release = holdTheFirstGroup();
    Future<Integer> queued = writers.submit(() -> insert(1, "queued"));
    CompletableFuture<Integer> handedOver =
        group.runAsync("inserting handed over", connection -> insertOn(connection, 2, "handed over"));
    await().atMost(PATIENCE).until(() -> group.queued() == 2);
    Future<?> closing = writers.submit(group::close);
    await().during(Duration.ofMillis(200)).atMost(PATIENCE).until(() -> !closing.isDone());
    release.countDown();

    closing.get(10, TimeUnit.SECONDS);
    assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(handedOver).isCompletedWithValue(1);
    assertThat(names()).containsExactlyInAnyOrder("first", "queued", "handed over");
    assertThatThrownBy(() -> insert(3, "after")).isInstanceOf(IllegalStateException.class);
    assertThat(group.runAsync("inserting after", connection -> insertOn(connection, 4, "after")))
        .isCompletedExceptionally();
  }

  @Test
  void aWriteHandedOverFromInsideAGroupCompletesWithThatGroupsCommit() throws Exception {
    List<CompletableFuture<Integer>> inner = new ArrayList<>();
    int outer = group.run("writing and handing over", connection -> {
      CompletableFuture<Integer> handedOver =
          group.runAsync("inserting inside", inside -> insertOn(inside, 2, "inside"));
      inner.add(handedOver);
      assertThat(handedOver).as("not durable before its group commits").isNotDone();
      return insertOn(connection, 1, "outside");
    }, false);
    assertThat(outer).isEqualTo(1);
    assertThat(inner.get(0)).isCompletedWithValue(1);
    assertThat(names()).containsExactly("outside", "inside");

    // When the group fails after the inner write ran, so does the inner write's future.
    CountDownLatch release = holdTheFirstGroup();
    List<CompletableFuture<Integer>> rolledBack = new ArrayList<>();
    Future<Integer> handingOver = writers.submit(() -> group.run("handing over", connection -> {
      rolledBack.add(group.runAsync("inserting inside", inside -> insertOn(inside, 4, "rolled back")));
      return insertOn(connection, 3, "rolled back too");
    }, false));
    await().atMost(PATIENCE).until(() -> group.queued() == 1); // runs first in the group, the broken one after
    Future<Integer> broken = writeToAMissingTable(group);
    await().atMost(PATIENCE).until(() -> group.queued() == 2);
    release.countDown();
    assertThatThrownBy(() -> broken.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JdbcStoreException.class);
    assertThatThrownBy(() -> handingOver.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JdbcStoreException.class);
    assertThat(rolledBack.get(0)).isCompletedExceptionally();
    assertThat(names()).containsExactly("first", "outside", "inside");
  }

  @Test
  void aWorkThatWaitsForAWriteOfItsOwnGroupFailsAloneInsteadOfStoppingEveryWrite() throws Exception {
    GroupCommit patient = new GroupCommit(dataSource, TimeUnit.MINUTES.toNanos(10)); // no backstop here
    try {
      CompletableFuture<Integer> handedOver =
          patient.runAsync("inserting handed over", connection -> insertOn(connection, 1, "handed over"));
      // The waiting work leads a group that holds the write it waits for, which commits after it.
      Future<Integer> waiting = writers.submit(() -> patient.run("waiting inside",
          connection -> handedOver.join() + insertOn(connection, 2, "never"), true));

      assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("wait for ever");
      assertThat(handedOver.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      int after = patient.run("inserting after", connection -> insertOn(connection, 3, "after"), false);
      assertThat(after).isEqualTo(1);
      assertThat(names()).containsExactly("handed over", "after");
    } finally {
      patient.close();
    }
  }

  @Test
  void aCallbackThatWaitsForAnotherWriteOfItsGroupGetsIt() throws Exception {
    GroupCommit patient = new GroupCommit(dataSource, TimeUnit.MINUTES.toNanos(10)); // no backstop here
    try {
      CompletableFuture<Integer> first = patient.runAsync("inserting 1", connection -> insertOn(connection, 1, "one"));
      CompletableFuture<Integer> second = patient.runAsync("inserting 2", connection -> insertOn(connection, 2, "two"));
      // Completed on the thread that leads, in queue order: the callback runs before the second is.
      CompletableFuture<Integer> both = first.thenApply(count -> count + second.join());

      Future<Integer> waiting = writers.submit(() -> both.get());
      assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(names()).containsExactly("one", "two");
    } finally {
      patient.close();
    }
  }

  @Test
  void aFailureWhileRollingBackStillFailsAndWakesEveryWriteOfTheGroup() throws Exception {
    AtomicBoolean brokenRollback = new AtomicBoolean();
    GroupCommit fragile = new GroupCommit(breakingRollbacks(brokenRollback));
    try {
      failAGroupWhoseRollbackBreaks(fragile, brokenRollback);

      assertThat(names()).containsExactly("first");
      brokenRollback.set(false);
      Future<Integer> after = writers.submit(() -> fragile.run("inserting after", connection ->
          insertOn(connection, 4, "after"), false));
      assertThat(after.get(10, TimeUnit.SECONDS)).as("the broken connection holds no lock").isEqualTo(1);
      assertThat(names()).containsExactly("first", "after");
    } finally {
      brokenRollback.set(false);
      fragile.close();
    }
  }

  /**
   * A host's own pool (not HikariCP) takes a connection back on {@code close()} and hands the same
   * one out again. One whose rollback failed is still inside the group's transaction: handed out
   * again, the next group's commit would commit the writes its writers were told had failed. The
   * connection beneath is closed instead, which rolls the transaction back, and the pool opens
   * another.
   */
  @Test
  void aConnectionWhoseRollbackFailedIsClosedBeneathAHostsPoolNotHandedOutAgainInTheTransaction()
      throws Exception {
    AtomicBoolean brokenRollback = new AtomicBoolean();
    List<Connection> physical = new java.util.concurrent.CopyOnWriteArrayList<>();
    GroupCommit pooled = new GroupCommit(reusingPool(brokenRollback, physical));
    try {
      failAGroupWhoseRollbackBreaks(pooled, brokenRollback);
      brokenRollback.set(false);

      assertThat(physical).hasSize(1);
      assertThat(physical.get(0).isClosed()).as("the connection beneath the pool's").isTrue();
      Future<Integer> after = writers.submit(() -> pooled.run("inserting after", connection ->
          insertOn(connection, 4, "after"), false));
      assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(names()).as("committed").containsExactly("first", "after");
      assertThat(physical).as("connections the pool opened").hasSize(2);
    } finally {
      brokenRollback.set(false);
      pooled.close();
      for (Connection connection : physical) {
        connection.close();
      }
    }
  }

  @Test
  void aWriterLeadsAtMostEightGroupsOfWritesNobodyWaitsFor() throws Exception {
    GroupCommit patient = new GroupCommit(dataSource, TimeUnit.MINUTES.toNanos(10)); // no backstop here
    AtomicBoolean chaining = new AtomicBoolean(true);
    List<CompletableFuture<Integer>> handedOver = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      // Each write, as its group runs, has another thread hand over the next: the queue never empties.
      Database.Work<Integer> chain = new Database.Work<>() {
        @Override
        public Integer run(Connection connection) throws SQLException {
          if (chaining.get()) {
            try {
              handedOver.add(writers.submit(() -> patient.runAsync("handing over the next", this)).get());
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
              throw new SQLException(e);
            }
          }
          return 0;
        }
      };
      long before = patient.commits();
      Future<Integer> waiting = writers.submit(() -> patient.run("the first of a chain", chain, false));

      assertThat(waiting.get(10, TimeUnit.SECONDS)).isZero();
      assertThat(patient.commits() - before).isEqualTo(GroupCommit.MAX_GROUPS_PER_LEAD);
      assertThat(patient.queued()).as("left for whoever waits next").isEqualTo(1);
      chaining.set(false);
      assertThat(handedOver.get(handedOver.size() - 1).get(10, TimeUnit.SECONDS)).isZero();
      assertThat(handedOver).allMatch(CompletableFuture::isDone);
    } finally {
      chaining.set(false);
      patient.close();
    }
  }

  /** A race: a write handed over just as {@code close()} ends was once left waiting for ever, now and then. */
  @Test
  void aWriteHandedOverAsTheStoreClosesIsCommittedOrRefusedNeverLeftWaiting() throws Exception {
    for (int round = 0; round < 500; round++) {
      GroupCommit closing = new GroupCommit(dataSource);
      List<CompletableFuture<Integer>> handedOver = new ArrayList<>();
      CountDownLatch started = new CountDownLatch(1);
      Future<?> handing = writers.submit(() -> {
        for (int i = 0; i < 2_000; i++) {
          CompletableFuture<Integer> write = closing.runAsync("handing over", connection -> 0);
          handedOver.add(write);
          started.countDown();
          if (write.isCompletedExceptionally()) {
            return; // refused: the store is closed
          }
        }
      });
      started.await();
      closing.close();
      handing.get(10, TimeUnit.SECONDS);
      // Each was committed by close(), or refused before its runAsync returned.
      assertThat(handedOver).as("round " + round).allMatch(CompletableFuture::isDone);
    }
  }

  /** A new connection to the test's file on each call, as the driver makes them. */
  private org.sqlite.SQLiteDataSource unpooled() {
    org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
    config.setBusyTimeout(30_000);
    org.sqlite.SQLiteDataSource unpooled = new org.sqlite.SQLiteDataSource(config);
    unpooled.setUrl("jdbc:sqlite:" + directory.resolve("group.db"));
    return unpooled;
  }

  /**
   * Unpooled connections to the test's file, on which a statement made by {@code createStatement}
   * (the rollback's) fails while the flag is set.
   */
  private javax.sql.DataSource breakingRollbacks(AtomicBoolean broken) {
    org.sqlite.SQLiteDataSource unpooled = unpooled();
    return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
          Object result = invoke(method, unpooled, args);
          if (!(result instanceof Connection connection)) {
            return result;
          }
          return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
              (inner, call, callArgs) -> {
                if (call.getName().equals("createStatement") && broken.get()) {
                  throw new IllegalStateException("the driver broke while rolling back");
                }
                return invoke(call, connection, callArgs);
              });
        });
  }

  /**
   * A pool of one SQLite connection, as a host's own pool would keep it: {@code close()} gives it
   * back open, and it is handed out again until it is found closed, when the pool opens another
   * (each one opened is added to {@code opened}). While {@code broken} is set, creating a statement
   * throws, as a ROLLBACK through a broken driver would.
   */
  private javax.sql.DataSource reusingPool(AtomicBoolean broken, List<Connection> opened) {
    org.sqlite.SQLiteDataSource unpooled = unpooled();
    return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
          if (!method.getName().equals("getConnection")) {
            return invoke(method, unpooled, args);
          }
          synchronized (opened) {
            if (opened.isEmpty() || opened.get(opened.size() - 1).isClosed()) {
              opened.add(unpooled.getConnection());
            }
            Connection beneath = opened.get(opened.size() - 1);
            return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Connection.class}, (handle, call, callArgs) -> switch (call.getName()) {
                  case "close" -> null; // back to the pool, open
                  case "isClosed" -> beneath.isClosed();
                  case "createStatement" -> {
                    if (broken.get()) {
                      throw new IllegalStateException("the driver broke while rolling back");
                    }
                    yield invoke(call, beneath, callArgs);
                  }
                  default -> invoke(call, beneath, callArgs);
                });
          }
        });
  }

  private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /**
   * Behind a first group, queues an innocent write and one that fails, so that they share the next
   * group; breaks the rollback from then on ({@code brokenRollback}); and checks that both writes
   * of that group fail.
   */
  private void failAGroupWhoseRollbackBreaks(GroupCommit on, AtomicBoolean brokenRollback) throws Exception {
    CountDownLatch release = holdTheFirstGroup(on);
    brokenRollback.set(true);
    Future<Integer> innocent = writers.submit(() -> on.run("inserting innocent",
        connection -> insertOn(connection, 3, "innocent"), false));
    Future<Integer> broken = writeToAMissingTable(on);
    await().atMost(PATIENCE).until(() -> on.queued() == 2);
    release.countDown();
    assertThatThrownBy(() -> innocent.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JdbcStoreException.class);
    assertThatThrownBy(() -> broken.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JdbcStoreException.class);
  }

  /** A write whose single statement fails, and with it its group. */
  private Future<Integer> writeToAMissingTable(GroupCommit on) {
    return writers.submit(() -> on.run("writing to a missing table", connection -> {
      try (PreparedStatement statement = connection.prepareStatement("INSERT INTO missing (id) VALUES (1)")) {
        return statement.executeUpdate();
      }
    }, false));
  }

  /** Starts a write whose work waits until the returned latch is counted down. */
  private CountDownLatch holdTheFirstGroup() {
    return holdTheFirstGroup(group);
  }

  private CountDownLatch holdTheFirstGroup(GroupCommit on) {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    writers.submit(() -> on.run("the first write", connection -> {
      inside.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return insertOn(connection, 0, "first");
    }, false));
    await().atMost(PATIENCE).until(() -> inside.getCount() == 0);
    return release;
  }

  private int insert(int id, String name) {
    return group.run("inserting " + id, connection -> insertOn(connection, id, name), false);
  }

  private static int insertOn(Connection connection, int id, String name) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("INSERT INTO t (id, name) VALUES (?, ?)")) {
      statement.setInt(1, id);
      statement.setString(2, name);
      return statement.executeUpdate();
    }
  }

  /** What another connection sees: committed rows only. */
  private List<String> names() {
    try (var connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement("SELECT name FROM t ORDER BY id");
        ResultSet rows = statement.executeQuery()) {
      List<String> names = new ArrayList<>();
      while (rows.next()) {
        names.add(rows.getString(1));
      }
      return names;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
