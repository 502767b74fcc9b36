package dev.cps.testkit.contract;

import static dev.cps.testkit.contract.ContractFixtures.T0;
import static dev.cps.testkit.contract.ContractFixtures.enrollment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentLeasedException;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.VersionConflictException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an {@link EnrollmentStore} that several provisioners share must do with leases
 * ({@link EnrollmentStore#claim}, {@link EnrollmentStore#lease}, {@link EnrollmentStore#release},
 * {@link EnrollmentStore#updateAndReleaseAsync}, {@link EnrollmentStore#renew}): each enrollment goes
 * to one owner at a time, until that owner releases it or its lease runs out.
 */
public abstract class EnrollmentLeaseContract {
  private static final Duration LEASE = Duration.ofMinutes(5);

  private EnrollmentStore store;

  /** A new, empty store; called before every test. */
  protected abstract EnrollmentStore newStore();

  @BeforeEach
  public void createStore() {
    store = newStore();
  }

  private List<EnrollmentId> insertDue(int count) {
    List<EnrollmentId> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      EnrollmentId id = EnrollmentId.of(String.format("due-%03d", i));
      store.insert(enrollment(id, 1, T0.minusSeconds(count - i)));
      ids.add(id);
    }
    return ids;
  }

  @Test
  public void claimedWorkIsSkippedByOtherClaimsAndByDue() {
    List<EnrollmentId> ids = insertDue(3);
    assertThat(store.claim(T0, 2, "node-a", LEASE)).containsExactly(ids.get(0), ids.get(1));
    assertThat(store.claim(T0, 10, "node-b", LEASE)).containsExactly(ids.get(2));
    assertThat(store.claim(T0, 10, "node-c", LEASE)).isEmpty();
    assertThat(store.due(T0, 10)).isEmpty();
  }

  @Test
  public void releasedWorkCanBeClaimedAgainButOnlyTheOwnerReleases() {
    List<EnrollmentId> ids = insertDue(1);
    assertThat(store.claim(T0, 10, "node-a", LEASE)).containsExactly(ids.get(0));
    store.release(ids.get(0), "node-b");
    assertThat(store.claim(T0, 10, "node-b", LEASE)).isEmpty();
    store.release(ids.get(0), "node-a");
    assertThat(store.due(T0, 10)).containsExactly(ids.get(0));
    assertThat(store.claim(T0, 10, "node-b", LEASE)).containsExactly(ids.get(0));
  }

  @Test
  public void anExpiredLeaseIsTakenOver() {
    List<EnrollmentId> ids = insertDue(1);
    assertThat(store.claim(T0, 10, "dead-node", LEASE)).containsExactly(ids.get(0));
    Instant beforeExpiry = T0.plus(LEASE).minusSeconds(1);
    assertThat(store.claim(beforeExpiry, 10, "node-b", LEASE)).isEmpty();
    assertThat(store.claim(T0.plus(LEASE), 10, "node-b", LEASE)).containsExactly(ids.get(0));
  }

  @Test
  public void aLeaseOutlivesTheOwnersWritesUntilReleased() {
    Enrollment a = claimedByNodeA();
    store.update(a.toBuilder().version(2).nextActionAt(T0).build(), 1);
    assertThat(store.claim(T0, 10, "node-b", LEASE)).isEmpty();
    assertThat(store.find(a.id()).orElseThrow().version()).isEqualTo(2);
  }

  /** Enrollment "a" at version 1, due at {@code T0} and claimed by node-a. */
  private Enrollment claimedByNodeA() {
    Enrollment a = enrollment(EnrollmentId.of("a"), 1, T0);
    store.insert(a);
    assertThat(store.claim(T0, 10, "node-a", LEASE)).containsExactly(a.id());
    return a;
  }

  /** Writes version 2 of the enrollment over version 1, ending the owner's lease, and waits. */
  private void updateAndRelease(Enrollment version1, String owner) throws Exception {
    store.updateAndReleaseAsync(version1.toBuilder().version(2).nextActionAt(T0).build(), 1, owner)
        .get(10, TimeUnit.SECONDS);
    assertThat(store.find(version1.id()).orElseThrow().version()).isEqualTo(2);
  }

  @Test
  public void anUpdateThatReleasesIsStoredAndEndsTheOwnersLeaseWithIt() throws Exception {
    Enrollment a = claimedByNodeA();

    updateAndRelease(a, "node-a");

    assertThat(store.claim(T0, 10, "node-b", LEASE)).containsExactly(a.id());
  }

  @Test
  public void anUpdateThatReleasesEndsNoOtherOwnersLease() throws Exception {
    Enrollment a = claimedByNodeA();

    updateAndRelease(a, "node-b");

    assertThat(store.claim(T0, 10, "node-c", LEASE)).as("node-a still holds it").isEmpty();
  }

  @Test
  public void anUpdateThatReleasesButLosesTheRaceWritesNothingAndKeepsTheLease() {
    Enrollment a = claimedByNodeA();
    store.update(a.toBuilder().version(2).nextActionAt(T0).build(), 1);

    CompletableFuture<Void> stale = store.updateAndReleaseAsync(
        a.toBuilder().version(3).nextActionAt(T0).build(), 1, "node-a");

    assertThatThrownBy(() -> stale.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(VersionConflictException.class);
    assertThat(store.find(a.id()).orElseThrow().version()).isEqualTo(2);
    assertThat(store.claim(T0, 10, "node-b", LEASE)).as("node-a still holds it").isEmpty();
  }

  @Test
  public void aRenewedLeaseKeepsOtherOwnersOffPastItsFirstEnd() {
    Enrollment a = claimedByNodeA();
    Instant renewedAt = T0.plus(LEASE.dividedBy(2));
    assertThat(store.renew(List.of(a.id()), "node-a", renewedAt, LEASE)).containsExactly(a.id());
    assertThat(store.claim(T0.plus(LEASE), 10, "node-b", LEASE)).isEmpty();
    assertThat(store.claim(renewedAt.plus(LEASE).minusSeconds(1), 10, "node-b", LEASE)).isEmpty();
    assertThat(store.claim(renewedAt.plus(LEASE), 10, "node-b", LEASE)).containsExactly(a.id());
  }

  @Test
  public void onlyTheOwnersLiveLeasesAreRenewed() {
    List<EnrollmentId> ids = insertDue(3);
    assertThat(store.claim(T0, 1, "node-a", LEASE)).containsExactly(ids.get(0));
    assertThat(store.claim(T0, 1, "node-b", LEASE)).containsExactly(ids.get(1));
    // ids.get(2) is leased by nobody; node-b's lease is not node-a's to extend.
    assertThat(store.renew(ids, "node-a", T0.plusSeconds(1), LEASE)).containsExactly(ids.get(0));
    assertThat(store.claim(T0.plus(LEASE), 10, "node-c", LEASE)).containsExactly(ids.get(1), ids.get(2));
  }

  @Test
  public void aLeaseThatRanOutIsNotRevived() {
    Enrollment a = claimedByNodeA();
    assertThat(store.renew(List.of(a.id()), "node-a", T0.plus(LEASE), LEASE)).isEmpty();
    assertThat(store.claim(T0.plus(LEASE), 10, "node-b", LEASE)).containsExactly(a.id());
    assertThat(store.renew(List.of(a.id()), "node-a", T0.plus(LEASE), LEASE)).isEmpty();
  }

  @Test
  public void aReleasedLeaseIsNotRenewed() {
    Enrollment a = claimedByNodeA();
    store.release(a.id(), "node-a");
    assertThat(store.renew(List.of(a.id()), "node-a", T0.plusSeconds(1), LEASE)).isEmpty();
    assertThat(store.claim(T0.plusSeconds(1), 10, "node-b", LEASE)).containsExactly(a.id());
  }

  @Test
  public void aLeaseThatIsNotPositiveIsRefused() {
    Enrollment a = claimedByNodeA();
    assertThatThrownBy(() -> store.renew(List.of(a.id()), "node-a", T0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease").hasMessageContaining("PT0S");
    assertThat(store.claim(T0.plus(LEASE).minusSeconds(1), 10, "node-b", LEASE)).isEmpty();
  }

  @Test
  public void workNotDueIsNotClaimed() {
    store.insert(enrollment(EnrollmentId.of("later"), 1, T0.plusSeconds(60)));
    store.insert(enrollment(EnrollmentId.of("idle"), 1, null));
    assertThat(store.claim(T0, 10, "node-a", LEASE)).isEmpty();
    assertThat(store.claim(T0.plusSeconds(60), 10, "node-a", LEASE)).containsExactly(EnrollmentId.of("later"));
  }

  /** The engine claims its next batch while it works on the one before: its own leases are skipped. */
  @Test
  public void anOwnersNextClaimSkipsWhatItLeasedAlready() {
    List<EnrollmentId> ids = insertDue(5);

    List<EnrollmentId> first = store.claim(T0, 3, "node-a", LEASE);
    List<EnrollmentId> second = store.claim(T0, 3, "node-a", LEASE);

    assertThat(first).hasSize(3);
    assertThat(second).hasSize(2).doesNotContainAnyElementsOf(first);
    assertThat(store.claim(T0, 3, "node-a", LEASE)).isEmpty();
    assertThat(ids).containsExactlyInAnyOrderElementsOf(concat(first, second));
  }

  private static List<EnrollmentId> concat(List<EnrollmentId> a, List<EnrollmentId> b) {
    List<EnrollmentId> both = new ArrayList<>(a);
    both.addAll(b);
    return both;
  }

  @Test
  public void fourConcurrentClaimersEachGetDisjointWork() throws Exception {
    List<EnrollmentId> ids = insertDue(200);
    int claimers = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    try {
      List<Future<List<EnrollmentId>>> results = new ArrayList<>();
      for (int i = 0; i < claimers; i++) {
        String owner = "node-" + i;
        Callable<List<EnrollmentId>> claimAll = () -> {
          start.await();
          List<EnrollmentId> mine = new ArrayList<>();
          List<EnrollmentId> batch;
          // Bounded: a store whose claims return the owner's own leases again would loop for ever.
          for (int claims = 0; claims <= ids.size() && !Thread.currentThread().isInterrupted(); claims++) {
            batch = store.claim(T0, 7, owner, LEASE);
            if (batch.isEmpty()) {
              return mine;
            }
            mine.addAll(batch);
          }
          throw new AssertionError(owner + " was still handed enrollments after " + ids.size() + " claims: "
              + mine.size() + " in all, with repeats");
        };
        results.add(pool.submit(claimAll));
      }
      start.countDown();
      Set<EnrollmentId> seen = new HashSet<>();
      int total = 0;
      for (Future<List<EnrollmentId>> result : results) {
        List<EnrollmentId> mine = result.get(60, TimeUnit.SECONDS);
        total += mine.size();
        seen.addAll(mine);
      }
      assertThat(total).as("claims in all").isEqualTo(ids.size());
      assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  public void anInputsLeaseKeepsEveryClaimOffUntilReleased() {
    EnrollmentId id = insertDue(1).get(0);
    assertThat(store.lease(id, "node-a", T0, LEASE)).as("taken").isTrue();
    assertThat(store.claim(T0, 10, "node-b", LEASE)).isEmpty();
    assertThat(store.claim(T0, 10, "node-a", LEASE)).as("the owner's own claim").isEmpty();
    assertThat(store.due(T0, 10)).isEmpty();
    store.release(id, "node-a");
    assertThat(store.claim(T0, 10, "node-b", LEASE)).containsExactly(id);
  }

  @Test
  public void anotherOwnersLeaseRefusesTheInputsLeaseAndChangesNothing() {
    Enrollment a = claimedByNodeA();
    assertThatThrownBy(() -> store.lease(a.id(), "node-b", T0.plusSeconds(1), LEASE))
        .isInstanceOfSatisfying(EnrollmentLeasedException.class, e -> {
          assertThat(e.enrollment()).isEqualTo(a.id());
          assertThat(e.owner()).isEqualTo("node-a");
          assertThat(e.until()).isEqualTo(T0.plus(LEASE));
        })
        .hasMessageContaining(a.id().value()).hasMessageContaining("node-a");
    // node-a's lease is neither taken nor extended by the refusal.
    store.release(a.id(), "node-b");
    assertThat(store.claim(T0.plus(LEASE).minusSeconds(1), 10, "node-c", LEASE)).isEmpty();
    assertThat(store.claim(T0.plus(LEASE), 10, "node-c", LEASE)).containsExactly(a.id());
  }

  @Test
  public void theOwnersLiveLeaseIsLeftAsItWas() {
    Enrollment a = claimedByNodeA();
    assertThat(store.lease(a.id(), "node-a", T0.plusSeconds(1), LEASE)).as("taken").isFalse();
    assertThat(store.claim(T0.plus(LEASE), 10, "node-b", LEASE)).as("not extended").containsExactly(a.id());
  }

  @Test
  public void aLeaseThatRanOutIsTakenForTheInput() {
    leaseThatRanOutIsTakenFor("node-b", "node-a");
  }

  @Test
  public void noLeaseIsTakenOnAnEnrollmentNotStored() {
    EnrollmentId later = EnrollmentId.of("not-stored-yet");
    assertThat(store.lease(later, "node-a", T0, LEASE)).isFalse();
    assertThat(store.find(later)).isEmpty();
    store.insert(enrollment(later, 1, T0));
    assertThat(store.claim(T0, 10, "node-b", LEASE)).as("stored afterwards").containsExactly(later);
  }

  @Test
  public void theOwnersLeaseThatRanOutIsTakenAnew() {
    leaseThatRanOutIsTakenFor("node-a", "node-b");
  }

  /**
   * Node A's claimed lease, run out, is taken for an input of {@code taker}'s: for a whole lease
   * from then, and no longer, {@code other} claims nothing.
   */
  private void leaseThatRanOutIsTakenFor(String taker, String other) {
    Enrollment a = claimedByNodeA();
    Instant ranOut = T0.plus(LEASE);
    assertThat(store.lease(a.id(), taker, ranOut, LEASE)).isTrue();
    assertThat(store.claim(ranOut.plus(LEASE).minusSeconds(1), 10, other, LEASE)).isEmpty();
    assertThat(store.claim(ranOut.plus(LEASE), 10, other, LEASE)).containsExactly(a.id());
  }

  @Test
  public void anInputsLeaseThatIsNotPositiveIsRefused() {
    EnrollmentId id = insertDue(1).get(0);
    assertThatThrownBy(() -> store.lease(id, "node-a", T0, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease").hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> store.lease(id, "node-a", T0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    assertThat(store.claim(T0, 10, "node-b", LEASE)).containsExactly(id);
  }

  @Test
  public void ofFourOwnersLeasingOneEnrollmentAtOnceOneGetsItAndTheOthersAreToldWho() throws Exception {
    EnrollmentId id = insertDue(1).get(0);
    int owners = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(owners);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < owners; i++) {
        String owner = "node-" + i;
        results.add(pool.submit(() -> {
          start.await();
          try {
            return store.lease(id, owner, T0, LEASE) ? "taken by " + owner : "not taken";
          } catch (EnrollmentLeasedException e) {
            return "refused, held by " + e.owner();
          }
        }));
      }
      start.countDown();
      List<String> outcomes = new ArrayList<>();
      for (Future<String> result : results) {
        outcomes.add(result.get(60, TimeUnit.SECONDS));
      }
      List<String> taken = outcomes.stream().filter(o -> o.startsWith("taken by ")).toList();
      assertThat(taken).as("outcomes %s", outcomes).hasSize(1);
      String winner = taken.get(0).substring("taken by ".length());
      assertThat(outcomes).filteredOn(o -> !o.startsWith("taken")).hasSize(owners - 1)
          .allSatisfy(o -> assertThat(o).isEqualTo("refused, held by " + winner));
    } finally {
      pool.shutdownNow();
    }
  }
}
