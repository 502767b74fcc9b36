package dev.cps.internal.engine;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.EnrollmentId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EnrollmentLocksTest {
  private final EnrollmentLocks locks = new EnrollmentLocks();
  private final ExecutorService threads = Executors.newFixedThreadPool(4);

  @AfterEach
  void stopThreads() throws InterruptedException {
    threads.shutdownNow();
    threads.awaitTermination(10, SECONDS);
  }

  /** A slow step on one enrollment held back others whose ids hashed to its lock stripe. */
  @Test
  void enrollmentsWhoseIdsHashAlikeDoNotWaitForEachOther() throws Exception {
    EnrollmentId slow = EnrollmentId.of("Aa");
    EnrollmentId other = EnrollmentId.of("BB");
    assertThat(slow.hashCode()).as("the two ids hash alike").isEqualTo(other.hashCode());
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> holding = CompletableFuture.runAsync(() -> locks.with(slow, () -> {
      inside.countDown();
      await(release);
      return null;
    }), threads);
    assertThat(inside.await(10, SECONDS)).isTrue();

    CompletableFuture<String> meanwhile = CompletableFuture.supplyAsync(() -> locks.with(other, () -> "done"), threads);

    assertThat(meanwhile.get(10, SECONDS)).isEqualTo("done");
    release.countDown();
    holding.get(10, SECONDS);
  }

  @Test
  void oneEnrollmentsStepsRunOneAtATimeAndItsLockIsDroppedAfterwards() throws Exception {
    EnrollmentId id = EnrollmentId.of("e-1");
    AtomicInteger insideNow = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CompletableFuture<?>[] steps = new CompletableFuture<?>[40];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = CompletableFuture.runAsync(() -> locks.with(id, () -> {
        most.accumulateAndGet(insideNow.incrementAndGet(), Math::max);
        Thread.onSpinWait();
        insideNow.decrementAndGet();
        return null;
      }), threads);
    }
    CompletableFuture.allOf(steps).get(10, SECONDS);

    assertThat(most.get()).isEqualTo(1);
    assertThat(locks.size()).isZero();
  }

  @Test
  void aThreadMayTakeTheSameEnrollmentAgainInside() {
    EnrollmentId id = EnrollmentId.of("e-2");

    String nested = locks.with(id, () -> locks.with(id, () -> "inner"));

    assertThat(nested).isEqualTo("inner");
    assertThat(locks.size()).isZero();
  }

  @Test
  void aWaveHoldsTheLockOfEachOfItsEnrollmentsUntilItsActionEndsAndDeferredWorkRunsAfterAll() throws Exception {
    EnrollmentId a = EnrollmentId.of("a");
    EnrollmentId b = EnrollmentId.of("b");
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger deferredWhileHeld = new AtomicInteger(-1);
    CompletableFuture<String> wave = CompletableFuture.supplyAsync(() -> locks.withAll(List.of(a, b), () -> {
      locks.afterUnlock(() -> deferredWhileHeld.set(locks.size()));
      inside.countDown();
      await(release);
      return "stepped";
    }), threads);
    assertThat(inside.await(10, SECONDS)).isTrue();

    CompletableFuture<String> input = CompletableFuture.supplyAsync(() -> locks.with(b, () -> "answered"), threads);
    assertThat(input).as("an input on b waits for the wave").isNotDone();
    release.countDown();

    assertThat(wave.get(10, SECONDS)).isEqualTo("stepped");
    assertThat(input.get(10, SECONDS)).isEqualTo("answered");
    assertThat(deferredWhileHeld.get()).as("deferred work ran with no lock of the wave held").isLessThan(2);
    assertThat(locks.size()).isZero();
  }

  @Test
  void whatWaitsForTheLockRunsAtOnceWhenNobodyHoldsIt() {
    EnrollmentId id = EnrollmentId.of("e-3");
    List<String> ran = new CopyOnWriteArrayList<>();

    locks.whenFree(id, () -> ran.add(Thread.currentThread().getName()));

    assertThat(ran).containsExactly(Thread.currentThread().getName());
    assertThat(locks.size()).isZero();
  }

  @Test
  void whatWaitsForTheLockRunsOnTheHoldersThreadAsItLetsGoForTheLastTimeBeforeTheNextHolder() throws Exception {
    EnrollmentId id = EnrollmentId.of("e-4");
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> locks.with(id, () -> {
      locks.with(id, () -> {
        holding.countDown();
        await(letGo);
        return null;
      });
      order.add("the holder, after its inner hold");
      return null;
    }), threads);
    assertThat(holding.await(10, SECONDS)).isTrue();

    locks.whenFree(id, () -> order.add("handed over, on " + Thread.currentThread().getName()));
    assertThat(order).as("while the lock is held: not run, and this thread not waiting").isEmpty();
    CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> locks.with(id, () -> order.add("the next")),
        threads);
    letGo.countDown();

    holder.get(10, SECONDS);
    next.get(10, SECONDS);
    assertThat(order).hasSize(3);
    assertThat(order.get(0)).isEqualTo("the holder, after its inner hold");
    assertThat(order.get(1)).startsWith("handed over, on ").doesNotEndWith(Thread.currentThread().getName());
    assertThat(order.get(2)).isEqualTo("the next");
    assertThat(locks.size()).isZero();
  }

  @Test
  void nothingHandedOverIsLostOrRunBesideAHolderWhileThreadsTakeAndLeaveTheLock() throws Exception {
    EnrollmentId id = EnrollmentId.of("e-5");
    AtomicInteger handedOverRan = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger insideNow = new AtomicInteger();
    int rounds = 20_000;
    Runnable critical = () -> {
      if (insideNow.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      insideNow.decrementAndGet();
    };
    CompletableFuture<?>[] all = new CompletableFuture<?>[4];
    for (int t = 0; t < all.length; t++) {
      boolean holds = t % 2 == 0;
      all[t] = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < rounds; i++) {
          if (holds) {
            locks.with(id, () -> {
              critical.run();
              return null;
            });
          } else {
            locks.whenFree(id, () -> {
              critical.run();
              handedOverRan.incrementAndGet();
            });
          }
        }
      }, threads);
    }
    CompletableFuture.allOf(all).get(60, SECONDS);

    assertThat(handedOverRan).as("handed over and run").hasValue(2 * rounds);
    assertThat(overlaps).as("runs beside another").hasValue(0);
    assertThat(locks.size()).isZero();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
