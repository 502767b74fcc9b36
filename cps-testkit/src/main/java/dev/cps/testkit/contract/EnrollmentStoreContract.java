package dev.cps.testkit.contract;

import static dev.cps.testkit.contract.ContractFixtures.T0;
import static dev.cps.testkit.contract.ContractFixtures.enrollment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.VersionConflictException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link EnrollmentStore} must do, the in-memory one included. A store implementation
 * extends this class in its own tests and says how to build an empty store.
 */
public abstract class EnrollmentStoreContract {
  private EnrollmentStore store;

  /** A new, empty store; called before every test. */
  protected abstract EnrollmentStore newStore();

  @BeforeEach
  public void createStore() {
    store = newStore();
  }

  @Test
  public void aChangeInEveryStateComesBackAsItWas() {
    for (ChangeState state : ContractFixtures.everyState()) {
      Enrollment stored = ContractFixtures.inState(EnrollmentId.of("in-" + state.name()), state);
      store.insert(stored);
      assertThat(store.find(stored.id())).as(state.name()).contains(stored);
    }
  }

  @Test
  public void insertedEnrollmentComesBackWithEveryField() {
    Enrollment full = ContractFixtures.fullEnrollment(EnrollmentId.of("full"));
    store.insert(full);
    assertThat(store.find(full.id())).contains(full);
    Enrollment found = store.find(full.id()).orElseThrow();
    assertThat(found.changes()).containsExactlyElementsOf(full.changes());
    assertThat(found.openChange()).isPresent().get().satisfies(open -> {
      assertThat(open.csr()).isEqualTo(full.changes().get(1).csr());
      assertThat(open.certificate()).isEqualTo(full.changes().get(1).certificate());
      assertThat(open.timeline()).isEqualTo(full.changes().get(1).timeline());
    });
  }

  @Test
  public void unknownEnrollmentIsNotFound() {
    assertThat(store.find(EnrollmentId.of("nobody"))).isEmpty();
  }

  @Test
  public void secondInsertWithTheSameIdConflictsAndKeepsTheFirst() {
    Enrollment first = enrollment(EnrollmentId.of("e1"), 1, T0);
    store.insert(first);
    assertThatThrownBy(() -> store.insert(enrollment(EnrollmentId.of("e1"), 1, T0.plusSeconds(5))))
        .isInstanceOf(VersionConflictException.class);
    assertThat(store.find(first.id())).contains(first);
  }

  @Test
  public void updateReplacesTheStoredVersion() {
    Enrollment v1 = enrollment(EnrollmentId.of("e1"), 1, T0);
    store.insert(v1);
    Enrollment v2 = v1.toBuilder().version(2).nextActionAt(T0.plusSeconds(60)).build();
    store.update(v2, 1);
    assertThat(store.find(v1.id())).contains(v2);
  }

  /** Inserts {@code v1} and updates it to version 2, which is returned: {@code v1} is then stale. */
  private Enrollment storedAndUpdatedToVersion2(Enrollment v1) {
    store.insert(v1);
    Enrollment v2 = v1.toBuilder().version(2).build();
    store.update(v2, 1);
    return v2;
  }

  @Test
  public void updateWithStaleVersionConflictsAndLeavesTheStoredValue() {
    Enrollment v1 = enrollment(EnrollmentId.of("e1"), 1, T0);
    Enrollment v2 = storedAndUpdatedToVersion2(v1);
    assertThatThrownBy(() -> store.update(v1.toBuilder().version(2).nextActionAt(null).build(), 1))
        .isInstanceOf(VersionConflictException.class)
        .satisfies(e -> assertThat(((VersionConflictException) e).enrollment()).isEqualTo(v1.id()));
    assertThat(store.find(v1.id())).contains(v2);
  }

  @Test
  public void updateOfAMissingEnrollmentConflicts() {
    assertThatThrownBy(() -> store.update(enrollment(EnrollmentId.of("ghost"), 2, T0), 1))
        .isInstanceOf(VersionConflictException.class);
    assertThat(store.find(EnrollmentId.of("ghost"))).isEmpty();
  }

  @Test
  public void updatesHandedOverWithoutWaitingAreStoredOnceTheirFuturesComplete() {
    List<Enrollment> written = new ArrayList<>();
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Enrollment v1 = enrollment(EnrollmentId.of(String.format("async-%02d", i)), 1, T0);
      store.insert(v1);
      Enrollment v2 = v1.toBuilder().version(2).nextActionAt(T0.plusSeconds(i + 1L)).build();
      writes.add(store.updateAsync(v2, 1));
      written.add(v2);
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
    for (Enrollment v2 : written) {
      assertThat(store.find(v2.id())).contains(v2);
    }
    assertThat(store.due(T0.plusSeconds(3), 10)).containsExactly(written.get(0).id(), written.get(1).id(),
        written.get(2).id());
  }

  @Test
  public void anUpdateHandedOverWithoutWaitingThatLosesTheRaceFailsItsFutureAndWritesNothing() {
    Enrollment v1 = enrollment(EnrollmentId.of("e1"), 1, T0);
    Enrollment v2 = storedAndUpdatedToVersion2(v1);
    CompletableFuture<Void> stale = store.updateAsync(v1.toBuilder().version(2).nextActionAt(null).build(), 1);
    assertThatThrownBy(() -> stale.orTimeout(30, TimeUnit.SECONDS).join())
        .isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(VersionConflictException.class)
        .satisfies(e -> assertThat(((VersionConflictException) e).enrollment()).isEqualTo(v1.id()));
    CompletableFuture<Void> notNewer = store.updateAsync(v2.toBuilder().version(2).build(), 2);
    assertThatThrownBy(() -> notNewer.orTimeout(30, TimeUnit.SECONDS).join())
        .cause().isInstanceOf(VersionConflictException.class);
    CompletableFuture<Void> ghost = store.updateAsync(enrollment(EnrollmentId.of("ghost"), 2, T0), 1);
    assertThatThrownBy(() -> ghost.orTimeout(30, TimeUnit.SECONDS).join())
        .cause().isInstanceOf(VersionConflictException.class);
    assertThat(store.find(v1.id())).contains(v2);
    assertThat(store.find(EnrollmentId.of("ghost"))).isEmpty();
  }

  @Test
  public void listIsInIdOrder() {
    for (String id : List.of("c", "a", "b")) {
      store.insert(enrollment(EnrollmentId.of(id), 1, T0));
    }
    assertThat(store.list()).extracting(Enrollment::id)
        .containsExactly(EnrollmentId.of("a"), EnrollmentId.of("b"), EnrollmentId.of("c"));
  }

  @Test
  public void dueReturnsOnlyDueEnrollmentsEarliestFirstUpToTheLimit() {
    store.insert(enrollment(EnrollmentId.of("later"), 1, T0.plusSeconds(30)));
    store.insert(enrollment(EnrollmentId.of("future"), 1, T0.plusSeconds(3600)));
    store.insert(enrollment(EnrollmentId.of("earliest"), 1, T0.minusSeconds(30)));
    store.insert(enrollment(EnrollmentId.of("now"), 1, T0));
    store.insert(enrollment(EnrollmentId.of("idle"), 1, null));
    Instant now = T0.plusSeconds(30);
    assertThat(store.due(now, 10)).containsExactly(
        EnrollmentId.of("earliest"), EnrollmentId.of("now"), EnrollmentId.of("later"));
    assertThat(store.due(now, 2)).containsExactly(EnrollmentId.of("earliest"), EnrollmentId.of("now"));
    assertThat(store.due(T0.minusSeconds(31), 10)).isEmpty();
  }

  @Test
  public void dueBreaksTiesInIdOrderAndRefusesANegativeLimit() {
    for (String id : List.of("m", "c", "x", "a")) {
      store.insert(enrollment(EnrollmentId.of(id), 1, T0));
    }
    assertThat(store.due(T0, 10)).containsExactly(
        EnrollmentId.of("a"), EnrollmentId.of("c"), EnrollmentId.of("m"), EnrollmentId.of("x"));
    assertThat(store.due(T0, 0)).isEmpty();
    assertThatThrownBy(() -> store.due(T0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  public void dueDropsAnEnrollmentWhoseNextActionMovesToTheFutureOrAway() {
    Enrollment a = enrollment(EnrollmentId.of("a"), 1, T0);
    Enrollment b = enrollment(EnrollmentId.of("b"), 1, T0);
    store.insert(a);
    store.insert(b);
    store.update(a.toBuilder().version(2).nextActionAt(T0.plus(Duration.ofDays(1))).build(), 1);
    store.update(b.toBuilder().version(2).nextActionAt(null).build(), 1);
    assertThat(store.due(T0.plusSeconds(1), 10)).isEmpty();
    assertThat(store.due(T0.plus(Duration.ofDays(1)), 10)).containsExactly(a.id());
  }

  @Test
  public void nextDueIsTheEarliestNextAction() {
    assertThat(store.nextDue()).isEmpty();
    Enrollment a = enrollment(EnrollmentId.of("a"), 1, T0.plusSeconds(90));
    store.insert(a);
    store.insert(enrollment(EnrollmentId.of("b"), 1, T0.plusSeconds(120)));
    store.insert(enrollment(EnrollmentId.of("c"), 1, null));
    assertThat(store.nextDue()).contains(T0.plusSeconds(90));
    store.update(a.toBuilder().version(2).nextActionAt(null).build(), 1);
    assertThat(store.nextDue()).contains(T0.plusSeconds(120));
  }

  @Test
  public void exactlyOneOfEightConcurrentUpdatesWithTheSameVersionWins() throws Exception {
    Enrollment v1 = enrollment(EnrollmentId.of("contended"), 1, T0);
    store.insert(v1);
    int writers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Enrollment>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        Enrollment mine = v1.toBuilder().version(2).nextActionAt(T0.plusSeconds(i + 1L)).build();
        Callable<Enrollment> write = () -> {
          start.await();
          store.update(mine, 1);
          return mine;
        };
        results.add(pool.submit(write));
      }
      start.countDown();
      List<Enrollment> winners = new ArrayList<>();
      int conflicts = 0;
      for (Future<Enrollment> result : results) {
        try {
          winners.add(result.get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(VersionConflictException.class);
          conflicts++;
        } catch (TimeoutException e) {
          throw new AssertionError("an update did not finish within 30 seconds", e);
        }
      }
      assertThat(winners).hasSize(1);
      assertThat(conflicts).isEqualTo(writers - 1);
      assertThat(store.find(v1.id())).contains(winners.get(0));
      assertThat(store.due(T0.plusSeconds(writers + 1L), 10)).containsExactly(v1.id());
    } finally {
      pool.shutdownNow();
    }
  }
}
