package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.UpdateMode;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentLeasedException;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Provisioners sharing one store split due work by leases: each step runs once, a dead node's work is taken over. */
class LeasesTest {
  private static final Duration LEASE = Duration.ofMinutes(5);

  private final MutableClock clock = MutableClock.at(CpsTestkit.START);
  private final InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
  private final InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
  private final FakeCertificateAuthority ca = FakeCertificateAuthority.builder().id("fake").clock(clock).build();
  private final RecordingNetwork staging = new RecordingNetwork("staging");
  private final RecordingNetwork production = new RecordingNetwork("production");
  private final List<CertificateProvisioner> provisioners = new ArrayList<>();

  private CertificateProvisioner node(String id) {
    CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(clock).workers(2).nodeId(id)
        .leaseDuration(LEASE).enrollmentStore(store).keyStore(keys).certificateAuthority(ca)
        .stagingNetwork(staging).productionNetwork(production).build();
    provisioners.add(provisioner);
    return provisioner;
  }

  @AfterEach
  void close() {
    provisioners.forEach(CertificateProvisioner::close);
  }

  @Test
  void threeNodesRunningAtOnceDoEachStepOnce() {
    List<CertificateProvisioner> nodes = List.of(node("node-a"), node("node-b"), node("node-c"));
    int count = 150;
    for (int i = 0; i < count; i++) {
      nodes.get(i % 3).enroll(Requests.dv(String.format("host-%03d.example.com", i)).build(), "alice");
    }
    for (int round = 0; round < 3; round++) {
      CompletableFuture.allOf(nodes.stream()
          .map(node -> CompletableFuture.runAsync(node::runDue)).toArray(CompletableFuture[]::new)).join();
      clock.advance(Duration.ofMinutes(2));
    }

    assertThat(store.list()).hasSize(count).allSatisfy(e ->
        assertThat(e.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class));
    assertThat(ca.submitCount()).as("orders submitted").isEqualTo(count);
    assertThat(ca.issuedCount()).isEqualTo(count);
    assertThat(staging.deployments()).as("staging deployments").hasSize(count);
    assertThat(production.deployments()).as("production deployments").hasSize(count);
  }

  @Test
  void aDeadNodesLeaseHoldsItsWorkUntilItExpires() {
    CertificateProvisioner survivor = node("survivor");
    Enrollment enrolled = survivor.enroll(Requests.dv("orphan.example.com").build(), "alice");
    List<EnrollmentId> taken = store.claim(clock.instant(), 10, "dead-node", LEASE);
    assertThat(taken).containsExactly(enrolled.id());

    assertThat(survivor.runDue()).isZero();
    clock.advance(LEASE.minusSeconds(1));
    assertThat(survivor.runDue()).isZero();
    assertThat(store.find(enrolled.id()).orElseThrow().openChange().orElseThrow().state())
        .isInstanceOf(ChangeState.KeyPending.class);

    clock.advance(Duration.ofSeconds(1));
    assertThat(survivor.runDue()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(2));
    survivor.runDue();
    assertThat(store.find(enrolled.id()).orElseThrow().latestChange().orElseThrow().state())
        .isInstanceOf(ChangeState.Completed.class);
  }

  @Test
  void aPassEndsEachLeaseWithItsLastWriteInsteadOfWritingTheRowAgain() {
    AtomicInteger releases = new AtomicInteger();
    AtomicInteger releasingWrites = new AtomicInteger();
    ForwardingEnrollmentStore counting = new ForwardingEnrollmentStore() {
      @Override
      public CompletableFuture<Void> updateAndReleaseAsync(Enrollment enrollment, long expectedVersion, String owner) {
        releasingWrites.incrementAndGet();
        return stored.updateAndReleaseAsync(enrollment, expectedVersion, owner);
      }

      @Override
      public void release(EnrollmentId id, String owner) {
        releases.incrementAndGet();
        super.release(id, owner);
      }
    };
    try (CertificateProvisioner a = CertificateProvisioner.builder().clock(clock).workers(2).nodeId("node-a")
        .leaseDuration(LEASE).enrollmentStore(counting).keyStore(keys).certificateAuthority(ca)
        .stagingNetwork(staging).productionNetwork(production).build()) {
      List<EnrollmentId> enrolled = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        enrolled.add(a.enroll(Requests.dv("host-" + i + ".example.com").build(), "alice").id());
      }

      assertThat(a.runDue()).isEqualTo(3);

      assertThat(releasingWrites).as("writes that ended a lease").hasValue(3);
      assertThat(releases).as("releases written on their own").hasValue(0);
      clock.advance(Duration.ofMinutes(2));
      assertThat(counting.claim(clock.instant(), 10, "node-b", LEASE)).containsExactlyInAnyOrderElementsOf(enrolled);
    }
  }

  @Test
  void inTheBackgroundALeaseThatRanOutUnderASlowStepIsTakenAgainAndKeptUntilTheStepEnds() throws Exception {
    StuckNetwork slowProduction = new StuckNetwork(production, "slow.example.com");
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    try (CertificateProvisioner a = CertificateProvisioner.builder().clock(clock).workers(2).nodeId("node-a")
        .leaseDuration(LEASE).enrollmentStore(store).keyStore(keys).certificateAuthority(ca)
        .productionNetwork(slowProduction).build()) {
      EnrollmentId slow = a.enroll(Requests.dv("slow.example.com").build(), "alice").id();
      a.start();
      assertThat(slowProduction.awaitStuck(10)).as("the slow deployment started").isTrue();

      // The lease runs out while the worker deploys; the loop, woken by new work, claims it again.
      clock.advance(LEASE.plusSeconds(1));
      EnrollmentId next = a.enroll(Requests.dv("next.example.com").build(), "alice").id();
      await().atMost(Duration.ofSeconds(10)).until(() -> production.live(next).isPresent());

      assertThat(store.claim(clock.instant(), 10, "node-b", LEASE)).as("node-a holds it while it works on it")
          .doesNotContain(slow);
      slowProduction.letGo();
      await().atMost(Duration.ofSeconds(10)).until(() -> store.find(slow).orElseThrow().latestChange()
          .orElseThrow().state() instanceof ChangeState.Completed);
      assertThat(production.deploymentsFor(slow)).hasSize(1);
    }
  }

  /**
   * A deployment that hangs for two leases: its node renews the lease as it goes, so the other node
   * never takes the enrollment over and deploys it again. Without renewal, node-b claims it once
   * the first lease ran out, and production gets the certificate twice.
   */
  @Test
  void aStepLongerThanALeaseKeepsItsLeaseRenewedAndIsNotDoneAgainElsewhere() throws Exception {
    RenewalCounting shared = new RenewalCounting(false);
    StuckNetwork slowProduction = new StuckNetwork(production, "slow.example.com");
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    try (CertificateProvisioner a = nodeOn(shared, "node-a", slowProduction);
        CertificateProvisioner b = nodeOn(shared, "node-b", production)) {
      StuckPass stuck = passStuckInProduction(a, slowProduction);

      for (int half = 1; half <= 4; half++) {
        clock.advance(LEASE.dividedBy(2));
        int renewals = half;
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shared.renewed).hasValue(renewals));
        assertThat(b.runDue()).as("node-b's pass after %d half leases", half).isZero();
      }

      slowProduction.letGo();
      assertThat(stuck.pass().get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(shared.find(stuck.slow()).orElseThrow().latestChange().orElseThrow().state())
          .isInstanceOf(ChangeState.Completed.class);
      assertThat(production.deploymentsFor(stuck.slow())).hasSize(1);
    }
  }

  /**
   * A person's input on node-b while node-a is inside a step of the same enrollment (its production
   * deployment hangs) is refused before anything happens: stored, it would win, node-a's write would
   * lose, and the certificate deployed would be in no change. Once node-a's step is stored, the
   * input goes through, and its lease is given back.
   */
  @Test
  void anInputWhileAnotherNodeIsInsideAStepIsRefusedUntilThatStepIsStored() throws Exception {
    StuckNetwork slowProduction = new StuckNetwork(production, "slow.example.com");
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    try (CertificateProvisioner a = nodeOn(store, "node-a", slowProduction);
        CertificateProvisioner b = nodeOn(store, "node-b", production)) {
      StuckPass stuck = passStuckInProduction(a, slowProduction);
      Enrollment deploying = store.find(stuck.slow()).orElseThrow();
      EnrollmentRequest otherNames = Requests.dv("slow.example.com", "www.slow.example.com").build();

      assertThatThrownBy(() -> b.update(stuck.slow(), otherNames, UpdateMode.CANCEL_PENDING, "bob"))
          .isInstanceOfSatisfying(EnrollmentLeasedException.class, e -> {
            assertThat(e.enrollment()).isEqualTo(stuck.slow());
            assertThat(e.owner()).isEqualTo("node-a");
          });
      assertThatThrownBy(() -> b.cancel(ChangeRef.ofOpenChange(deploying), "bob"))
          .isInstanceOf(EnrollmentLeasedException.class);
      assertThatThrownBy(() -> b.renewNow(stuck.slow(), "bob")).isInstanceOf(EnrollmentLeasedException.class);
      assertThat(store.find(stuck.slow()).orElseThrow().version()).as("version after the inputs")
          .isEqualTo(deploying.version());

      slowProduction.letGo();
      assertThat(stuck.pass().get(10, TimeUnit.SECONDS)).isEqualTo(1);
      Enrollment deployed = store.find(stuck.slow()).orElseThrow();
      assertThat(deployed.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
      assertThat(deployed.production().change()).isEqualTo(deploying.openChange().orElseThrow().id());

      Enrollment updated = b.update(stuck.slow(), otherNames, UpdateMode.CANCEL_PENDING, "bob");
      assertThat(updated.openChange()).as("the change the update opened").isPresent();
      assertThat(store.claim(clock.instant(), 10, "node-c", LEASE)).as("claimable once the input is stored")
          .containsExactly(stuck.slow());
    }
  }

  /**
   * An input on the node that has the enrollment leased already (its engine claimed it) uses that
   * lease and leaves it: the engine's step that follows is still this node's alone.
   */
  @Test
  void anInputUsesTheLeaseItsOwnNodeHoldsAndLeavesIt() {
    CertificateProvisioner a = node("node-a");
    Enrollment enrolled = a.enroll(Requests.dv("mine.example.com").build(), "alice");
    assertThat(store.claim(clock.instant(), 10, "node-a", LEASE)).containsExactly(enrolled.id());

    Change dated = a.setDeploymentDate(ChangeRef.ofOpenChange(enrolled), clock.instant().plus(Duration.ofDays(3)),
        "alice");

    assertThat(dated.deploymentNotBefore()).isNotNull();
    assertThat(store.claim(clock.instant(), 10, "node-b", LEASE)).as("node-a's lease, after the input").isEmpty();
    assertThat(store.claim(clock.instant().plus(LEASE), 10, "node-b", LEASE)).containsExactly(enrolled.id());
  }

  /**
   * A revocation (a key compromised) is never held back by another node working on the enrollment:
   * the CA revokes at once, the event is emitted, and only the timeline note, which would overwrite
   * that node's step, is left out.
   */
  @Test
  void aRevocationWhileAnotherNodeHoldsTheLeaseIsMadeAndOnlyItsNoteLeftOut() {
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    CertificateProvisioner a = node("node-a");
    List<ProvisioningEvent> events = new CopyOnWriteArrayList<>();
    CertificateProvisioner listened = CertificateProvisioner.builder().clock(clock).workers(2).nodeId("node-a2")
        .leaseDuration(LEASE).enrollmentStore(store).keyStore(keys).certificateAuthority(ca)
        .stagingNetwork(staging).productionNetwork(production).listener(events::add).build();
    provisioners.add(listened);
    Enrollment enrolled = a.enroll(Requests.dv("live.example.com").build(), "alice");
    a.runDue();
    Enrollment live = store.find(enrolled.id()).orElseThrow();
    assertThat(live.production()).as("in production").isNotNull();
    assertThat(store.lease(enrolled.id(), "node-b", clock.instant(), LEASE)).as("node-b's input").isTrue();

    listened.revoke(enrolled.id(), RevocationReason.KEY_COMPROMISE, "alice");

    assertThat(ca.revocations()).hasSize(1);
    assertThat(events).filteredOn(ProvisioningEvent.Revoked.class::isInstance).hasSize(1);
    assertThat(store.find(enrolled.id()).orElseThrow().version()).as("version: no note written")
        .isEqualTo(live.version());
    assertThatThrownBy(() -> store.lease(enrolled.id(), "node-c", clock.instant(), LEASE))
        .as("node-b's lease, after the revocation").isInstanceOf(EnrollmentLeasedException.class);
  }

  /**
   * An input that outlasts a lease (here its write hangs while the clock moves on by two leases)
   * keeps the lease it took renewed, as a claim's is: no other node takes the enrollment meanwhile.
   * It ends the lease once stored.
   */
  @Test
  void anInputThatOutlastsALeaseKeepsItRenewedAndEndsItOnceStored() throws Exception {
    HangingUpdates hanging = new HangingUpdates();
    CertificateProvisioner a = CertificateProvisioner.builder().clock(clock).workers(2).nodeId("node-a")
        .leaseDuration(LEASE).enrollmentStore(hanging).keyStore(keys).certificateAuthority(ca)
        .stagingNetwork(staging).productionNetwork(production).build();
    provisioners.add(a);
    Enrollment enrolled = a.enroll(Requests.dv("slow-input.example.com").build(), "alice");
    hanging.hang.set(true);
    CompletableFuture<Change> cancelling = CompletableFuture.supplyAsync(
        () -> a.cancel(ChangeRef.ofOpenChange(enrolled), "alice"));
    assertThat(hanging.hanging.await(10, TimeUnit.SECONDS)).as("the input's write started").isTrue();

    for (int half = 1; half <= 4; half++) {
      clock.advance(LEASE.dividedBy(2));
      int renewals = half;
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(hanging.renewed).hasValue(renewals));
      assertThatThrownBy(() -> hanging.lease(enrolled.id(), "node-b", clock.instant(), LEASE))
          .as("node-b's lease after %d half leases", half).isInstanceOf(EnrollmentLeasedException.class);
    }

    hanging.letGo.countDown();
    assertThat(cancelling.get(10, TimeUnit.SECONDS).state()).isInstanceOf(ChangeState.Cancelled.class);
    assertThat(hanging.lease(enrolled.id(), "node-b", clock.instant(), LEASE)).as("ended once stored").isTrue();
  }

  /**
   * A claim's release that is under way when an input arrives on the same node ends the lease
   * before the input starts, so the input takes a lease of its own: the input waits for the
   * release, as the release holds the enrollment's lock. Were the input to start first, using the
   * claim's lease, the release would wait for the input instead.
   */
  @Test
  void anInputArrivingAsItsNodeReleasesAClaimTakesALeaseOfItsOwn() throws Exception {
    HangingUpdates hanging = new HangingUpdates();
    ca.validationTime(ValidationType.DV, Duration.ofHours(1));
    CertificateProvisioner a = CertificateProvisioner.builder().clock(clock).workers(2).nodeId("node-a")
        .leaseDuration(LEASE).enrollmentStore(hanging).keyStore(keys).certificateAuthority(ca)
        .stagingNetwork(staging).productionNetwork(production).build();
    provisioners.add(a);
    Enrollment enrolled = a.enroll(Requests.dv("race.example.com").build(), "alice");
    hanging.holdRelease.set(enrolled.id());
    a.start();
    assertThat(hanging.releasing.await(10, TimeUnit.SECONDS)).as("the wave's release started").isTrue();

    hanging.hang.set(true);
    AtomicReference<Thread> inputThread = new AtomicReference<>();
    CompletableFuture<Enrollment> input = CompletableFuture.supplyAsync(() -> {
      inputThread.set(Thread.currentThread());
      return a.update(enrolled.id(), Requests.dv("race.example.com", "www.race.example.com").build(),
          UpdateMode.CANCEL_PENDING, "bob");
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> inputThread.get() != null
        && inputThread.get().getState() == Thread.State.WAITING);
    assertThat(hanging.hanging.getCount()).as("the input has not written").isEqualTo(1);
    hanging.letRelease.countDown();
    assertThat(hanging.hanging.await(10, TimeUnit.SECONDS)).as("the input's write started").isTrue();

    assertThatThrownBy(() -> hanging.lease(enrolled.id(), "node-b", clock.instant(), LEASE))
        .as("node-b, while node-a's input writes").isInstanceOf(EnrollmentLeasedException.class);
    hanging.letGo.countDown();
    assertThat(input.get(10, TimeUnit.SECONDS).openChange()).isPresent();
  }

  /**
   * An input nested in another for the same enrollment (a plug-in that calls the provisioner back)
   * leaves the outer one's lease alone: it holds until the outer input ends.
   */
  @Test
  void anInputNestedInOneForTheSameEnrollmentLeavesTheOutersLease() {
    AtomicReference<CertificateProvisioner> self = new AtomicReference<>();
    AtomicReference<EnrollmentId> target = new AtomicReference<>();
    List<String> seen = new CopyOnWriteArrayList<>();
    PrivateKeyStore callingBack = new ForwardingPrivateKeyStore(keys) {
      @Override
      public void delete(KeyId id) {
        EnrollmentId enrollment = target.get();
        if (enrollment != null) {
          try {
            self.get().renewNow(enrollment, "plug-in");
          } catch (RuntimeException refused) {
            seen.add("nested: " + refused.getClass().getSimpleName());
          }
          try {
            store.lease(enrollment, "node-b", clock.instant(), LEASE);
            seen.add("node-b took the lease inside the outer input");
          } catch (EnrollmentLeasedException held) {
            seen.add("held by " + held.owner());
          }
        }
        keys.delete(id);
      }
    };
    ca.validationTime(ValidationType.DV, Duration.ofHours(1));
    CertificateProvisioner a = CertificateProvisioner.builder().clock(clock).workers(2).nodeId("node-a")
        .leaseDuration(LEASE).enrollmentStore(store).keyStore(callingBack).certificateAuthority(ca)
        .stagingNetwork(staging).productionNetwork(production).build();
    provisioners.add(a);
    self.set(a);
    Enrollment enrolled = a.enroll(Requests.dv("nested.example.com").build(), "alice");
    a.runDue(); // a key and an order: the update below cancels them, deleting the key
    target.set(enrolled.id());

    a.update(enrolled.id(), Requests.dv("nested.example.com", "www.nested.example.com").build(),
        UpdateMode.CANCEL_PENDING, "bob");

    assertThat(seen).containsExactly("nested: ChangePendingException", "held by node-a");
    assertThat(store.lease(enrolled.id(), "node-b", clock.instant(), LEASE)).as("after the outer input").isTrue();
  }

  /** A closed provisioner renews no lease, so it takes no input: refused, nothing stored. */
  @Test
  void aClosedProvisionerRefusesInputs() {
    CertificateProvisioner a = node("node-a");
    Enrollment enrolled = a.enroll(Requests.dv("closed.example.com").build(), "alice");
    a.close();

    assertThatThrownBy(() -> a.cancel(ChangeRef.ofOpenChange(enrolled), "bob"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> a.revoke(enrolled.id(), RevocationReason.KEY_COMPROMISE, "bob"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThat(store.find(enrolled.id()).orElseThrow().version()).isEqualTo(enrolled.version());
    assertThat(store.lease(enrolled.id(), "node-b", clock.instant(), LEASE)).as("no lease left behind").isTrue();
  }

  /**
   * Updates hang, once {@code hang} is set, until {@code letGo} is counted down; {@code renewed}
   * counts the leases renewals extended.
   */
  private static final class HangingUpdates extends ForwardingEnrollmentStore {
    final java.util.concurrent.atomic.AtomicBoolean hang = new java.util.concurrent.atomic.AtomicBoolean();
    final CountDownLatch hanging = new CountDownLatch(1);
    final CountDownLatch letGo = new CountDownLatch(1);
    final AtomicInteger renewed = new AtomicInteger();
    /** The enrollment whose lease release waits for {@code letRelease}, after {@code releasing}. */
    final AtomicReference<EnrollmentId> holdRelease = new AtomicReference<>();
    final CountDownLatch releasing = new CountDownLatch(1);
    final CountDownLatch letRelease = new CountDownLatch(1);

    @Override
    public void release(EnrollmentId id, String owner) {
      if (id.equals(holdRelease.get()) && releasing.getCount() > 0) {
        releasing.countDown();
        waitFor(letRelease);
      }
      super.release(id, owner);
    }

    @Override
    public Set<EnrollmentId> renew(Collection<EnrollmentId> ids, String owner, Instant now, Duration lease) {
      Set<EnrollmentId> extended = super.renew(ids, owner, now, lease);
      renewed.addAndGet(extended.size());
      return extended;
    }

    @Override
    public void update(Enrollment enrollment, long expectedVersion) {
      if (hang.get()) {
        hanging.countDown();
        waitFor(letGo);
      }
      super.update(enrollment, expectedVersion);
    }

    private static void waitFor(CountDownLatch latch) {
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** close() lets a step under way finish, its lease renewed meanwhile, and starts no other. */
  @Test
  void closeWaitsForAStepUnderWayKeepingItsLease() throws Exception {
    RenewalCounting shared = new RenewalCounting(false);
    StuckNetwork slowProduction = new StuckNetwork(production, "slow.example.com");
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    CertificateProvisioner a = nodeOn(shared, "node-a", slowProduction);
    StuckPass stuck = passStuckInProduction(a, slowProduction);
    EnrollmentId next = a.enroll(Requests.dv("next.example.com").build(), "alice").id();

    Thread closer = new Thread(a::close, "closer");
    closer.start();
    // closing once it waits for the pass (and so refuses to run anything new)
    await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.TIMED_WAITING);
    clock.advance(LEASE.dividedBy(2));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shared.renewed).hasValue(1));
    assertThat(closer.isAlive()).as("close, while a deployment is under way").isTrue();

    slowProduction.letGo();
    closer.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(closer.isAlive()).as("close, once the deployment is done").isFalse();
    assertThat(stuck.pass()).as("the pass, when close returned").isDone();
    assertThat(shared.find(stuck.slow()).orElseThrow().latestChange().orElseThrow().state())
        .isInstanceOf(ChangeState.Completed.class);
    assertThat(shared.find(next).orElseThrow().latestChange().orElseThrow().state())
        .as("enrolled after the pass began").isInstanceOf(ChangeState.KeyPending.class);
  }

  @Test
  void aRenewalThatFailsIsTriedAgainAtTheNextLook() throws Exception {
    RenewalCounting flaky = new RenewalCounting(true);
    StuckNetwork slowProduction = new StuckNetwork(production, "slow.example.com");
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    try (CertificateProvisioner a = nodeOn(flaky, "node-a", slowProduction)) {
      StuckPass stuck = passStuckInProduction(a, slowProduction);

      clock.advance(LEASE.dividedBy(2));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(flaky.renewed).hasValue(1));
      assertThat(flaky.calls).hasValueGreaterThanOrEqualTo(2);
      assertThat(flaky.claim(CpsTestkit.START.plus(LEASE), 10, "node-b", LEASE))
          .as("claimed at the end of the first lease").isEmpty();

      slowProduction.letGo();
      assertThat(stuck.pass().get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(production.deploymentsFor(stuck.slow())).hasSize(1);
    }
  }

  /**
   * node-b, its clock ahead, takes both leases while node-a's pass hangs on the first key. node-a's
   * renewal then finds them gone, a tenth of a lease before they would be half over by node-a's
   * clock: its wave steps neither again, so that no CA order and no deployment races node-b's.
   */
  @Test
  void aWaveLeavesAnEnrollmentWhoseLeaseARenewalFoundGone() throws Exception {
    RenewalCounting shared = new RenewalCounting(false);
    HangingFirstKey hanging = new HangingFirstKey();
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    Logger scheduler = (Logger) LoggerFactory.getLogger("dev.cps.internal.engine.Scheduler");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    scheduler.addAppender(logged);
    Level levelBefore = scheduler.getLevel();
    scheduler.setLevel(Level.INFO);
    CertificateProvisioner a = CertificateProvisioner.builder().clock(clock).workers(1).nodeId("node-a")
        .leaseDuration(LEASE).enrollmentStore(shared).keyStore(hanging).certificateAuthority(ca)
        .productionNetwork(production).build();
    provisioners.add(a); // closed after the test, once its pass is let go
    try {
      List<EnrollmentId> enrolled = List.of(a.enroll(Requests.dv("first.example.com").build(), "alice").id(),
          a.enroll(Requests.dv("second.example.com").build(), "alice").id());
      CompletableFuture<Integer> pass = CompletableFuture.supplyAsync(a::runDue);
      assertThat(hanging.started.await(10, TimeUnit.SECONDS)).as("the first key is being generated").isTrue();

      assertThat(shared.claim(clock.instant().plus(LEASE).plusSeconds(1), 10, "node-b", LEASE))
          .as("node-b's claim, its clock a lease ahead").containsExactlyInAnyOrderElementsOf(enrolled);
      clock.advance(LEASE.multipliedBy(2).dividedBy(5));
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        synchronized (logged) { // the lease keeper's thread appends under the appender's lock
          return logged.list.stream().anyMatch(line -> line.getFormattedMessage()
              .contains("2 lease(s) were gone when renewed"));
        }
      });
      hanging.letGo.countDown();

      assertThat(pass.get(10, TimeUnit.SECONDS)).as("enrollments stepped").isEqualTo(1);
      List<EnrollmentId> inWaveOrder = enrolled.stream().sorted(Comparator.comparing(EnrollmentId::value)).toList();
      assertThat(inWaveOrder).map(id -> shared.find(id).orElseThrow().openChange().orElseThrow().state())
          .as("the first stopped after the step it was in, the second never stepped")
          .hasExactlyElementsOfTypes(ChangeState.CsrReady.class, ChangeState.KeyPending.class);
      assertThat(ca.submitCount()).as("orders placed by node-a").isZero();
      assertThat(production.deployments()).isEmpty();
    } finally {
      hanging.letGo.countDown();
      scheduler.detachAppender(logged);
      scheduler.setLevel(levelBefore);
    }
  }

  /** The test's keys behind a key store of its own: a test overrides how keys are generated. */
  private abstract class KeysInMemory implements PrivateKeyStore {
    @Override public Optional<PublicKey> publicKey(KeyId id) { return keys.publicKey(id); }
    @Override public PrivateKey privateKey(KeyId id) { return keys.privateKey(id); }
    @Override public void delete(KeyId id) { keys.delete(id); }
  }

  /** The first key generated hangs until let go. */
  private final class HangingFirstKey extends KeysInMemory {
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch letGo = new CountDownLatch(1);

    @Override
    public PublicKey generate(KeyId id, KeyType type) {
      if (started.getCount() > 0) {
        started.countDown();
        try {
          letGo.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while hanging", e);
        }
      }
      return keys.generate(id, type);
    }
  }

  /** A pass of one node, still running, and the enrollment whose production deployment holds it up. */
  private record StuckPass(EnrollmentId slow, CompletableFuture<Integer> pass) {}

  /** Enrolls slow.example.com on the node and starts a pass; returns once the pass hangs deploying it. */
  private StuckPass passStuckInProduction(CertificateProvisioner node, StuckNetwork slowProduction)
      throws InterruptedException {
    EnrollmentId slow = node.enroll(Requests.dv("slow.example.com").build(), "alice").id();
    CompletableFuture<Integer> pass = CompletableFuture.supplyAsync(node::runDue);
    assertThat(slowProduction.awaitStuck(10)).as("the slow deployment started").isTrue();
    return new StuckPass(slow, pass);
  }

  /** A provisioner on the given store whose production network is the one given; no staging. */
  private CertificateProvisioner nodeOn(EnrollmentStore store, String id, DeploymentNetwork productionNetwork) {
    return CertificateProvisioner.builder().clock(clock).workers(2).nodeId(id).leaseDuration(LEASE)
        .enrollmentStore(store).keyStore(keys).certificateAuthority(ca).productionNetwork(productionNetwork).build();
  }

  /** Counts the calls to renew and the leases it extended; the first call fails if asked to. */
  private static final class RenewalCounting extends ForwardingEnrollmentStore {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger renewed = new AtomicInteger();
    private final boolean firstFails;

    RenewalCounting(boolean firstFails) {
      this.firstFails = firstFails;
    }

    @Override
    public Set<EnrollmentId> renew(Collection<EnrollmentId> ids, String owner, Instant now, Duration lease) {
      if (calls.incrementAndGet() == 1 && firstFails) {
        throw new IllegalStateException("the store is down for a moment");
      }
      Set<EnrollmentId> extended = super.renew(ids, owner, now, lease);
      renewed.addAndGet(extended.size());
      return extended;
    }
  }

  /** A store that leases nothing (the SPI's defaults) has nothing to lose: every lease "renews". */
  @Test
  void aStoreThatLeasesNothingRenewsEveryIdAndStillRefusesANonPositiveLease() {
    EnrollmentStore unleased = new EnrollmentStore() {
      @Override public void insert(Enrollment enrollment) { throw new UnsupportedOperationException(); }
      @Override public void update(Enrollment enrollment, long expected) { throw new UnsupportedOperationException(); }
      @Override public Optional<Enrollment> find(EnrollmentId id) { return Optional.empty(); }
      @Override public List<Enrollment> list() { return List.of(); }
      @Override public List<EnrollmentId> due(Instant now, int limit) { return List.of(); }
      @Override public Optional<Instant> nextDue() { return Optional.empty(); }
    };
    List<EnrollmentId> ids = List.of(EnrollmentId.of("a"), EnrollmentId.of("b"));
    assertThat(unleased.renew(ids, "node-a", clock.instant(), LEASE)).containsExactlyInAnyOrderElementsOf(ids);
    assertThatThrownBy(() -> unleased.renew(ids, "node-a", clock.instant(), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
  }

  @Test
  void aNodeReleasesWhatItWorkedOn() {
    CertificateProvisioner a = node("node-a");
    Enrollment enrolled = a.enroll(Requests.dv("released.example.com").build(), "alice");
    a.runDue();
    clock.advance(Duration.ofMinutes(2));
    assertThat(store.claim(clock.instant(), 10, "node-b", LEASE)).containsExactly(enrolled.id());
  }

  @Test
  void workWhoseTurnComesLateInABatchIsClaimedAfreshNotRunUnderAnOldLease() {
    SlowBatch batch = new SlowBatch(1);
    for (int pass = 0; pass < 20 && batch.provisioner.runDue() > 0; pass++) {
      // Each pass runs what was due when it started; the key store moves the clock on.
    }

    batch.assertCompletedOnlyUnderLiveLeases();
  }

  /**
   * A pass on a moving clock that outlasts half a lease: the batch it claims then is leased from its
   * claim, not from the pass's start (a lease that would have ended already), so no other
   * provisioner can claim what this one is about to step.
   */
  @Test
  void aBatchClaimedLateInALongPassIsLeasedFromItsClaimNotFromThePassStart() {
    List<EnrollmentId> takenByAnother = new CopyOnWriteArrayList<>();
    List<Integer> claims = new CopyOnWriteArrayList<>();
    ForwardingEnrollmentStore shared = new ForwardingEnrollmentStore() {
      @Override
      public List<EnrollmentId> claim(Instant now, int limit, String owner, Duration lease) {
        List<EnrollmentId> claimed = super.claim(now, limit, owner, lease);
        claims.add(claimed.size());
        // Another provisioner claims right after: what "slow" just leased must be out of its reach.
        List<EnrollmentId> other = stored.claim(clock.instant(), 100, "node-b", LEASE);
        other.forEach(id -> stored.release(id, "node-b"));
        other.stream().filter(claimed::contains).forEach(takenByAnother::add);
        return claimed;
      }
    };
    AtomicInteger generated = new AtomicInteger();
    PrivateKeyStore slowFirstKey = new KeysInMemory() {
      @Override
      public PublicKey generate(KeyId id, KeyType type) {
        if (generated.getAndIncrement() == 0) {
          clock.advance(LEASE.plusMinutes(1));
        }
        return keys.generate(id, type);
      }
    };
    CertificateProvisioner slow = CertificateProvisioner.builder().clock(clock).workers(1).nodeId("slow")
        .leaseDuration(LEASE).enrollmentStore(shared).keyStore(slowFirstKey).certificateAuthority(ca)
        .productionNetwork(production).build();
    provisioners.add(slow);
    ca.validationTime(ValidationType.DV, Duration.ZERO);
    for (int i = 0; i < 8; i++) {
      slow.enroll(Requests.dv("long-pass-" + i + ".example.com").build(), "alice");
    }

    slow.runDue();

    assertThat(takenByAnother).as("enrollments another provisioner claimed right after this one leased them")
        .isEmpty();
    assertThat(claims).as("enrollments claimed by each claim of the pass (the first again, and released)")
        .startsWith(8, 8);
    slow.runDue(); // the first, stepped before its lease aged, goes on in the next pass
    assertThat(production.deployments()).hasSize(8);
  }

  /**
   * On a clock that runs while the pass does (a second each time it is read), a pass that outlasts
   * half a lease claims as of later instants, by which what it stepped is due again: it still runs
   * each enrollment once, and ends.
   */
  @Test
  void aLongPassRunsEachEnrollmentOnceThoughItComesDueAgain() {
    AtomicLong reads = new AtomicLong();
    Clock ticking = new Clock() {
      @Override public ZoneId getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(ZoneId zone) { return this; }
      @Override public Instant instant() { return CpsTestkit.START.plusSeconds(reads.getAndIncrement()); }
    };
    FakeCertificateAuthority validatingForADay = FakeCertificateAuthority.builder().id("fake").clock(ticking).build()
        .validationTime(ValidationType.DV, Duration.ofDays(1));
    AtomicInteger polls = new AtomicInteger();
    CertificateAuthority counting = Intercepted.of(CertificateAuthority.class, validatingForADay,
        (method, args, proceed) -> {
          if (method.getName().equals("status")) {
            polls.incrementAndGet();
          }
          return proceed.call();
        });
    CertificateProvisioner ticked = CertificateProvisioner.builder().clock(ticking).workers(1).nodeId("ticked")
        .leaseDuration(Duration.ofMinutes(1)).enrollmentStore(store).keyStore(keys).certificateAuthority(counting)
        .productionNetwork(production).build();
    provisioners.add(ticked);
    for (int i = 0; i < 20; i++) {
      ticked.enroll(Requests.dv("ticked-" + i + ".example.com").build(), "alice");
    }

    ticked.runDue();

    assertThat(reads).as("seconds the pass took").hasValueGreaterThan(Duration.ofMinutes(1).toSeconds());
    assertThat(store.list()).as("each stepped once: the key and CSR were due at the pass's start, the order after")
        .allSatisfy(e -> assertThat(e.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.CsrReady.class));
    assertThat(validatingForADay.submitCount()).as("orders placed").isZero();
    assertThat(polls).as("polls").hasValue(0);
  }

  /**
   * The background loop's waves step their enrollments round after round; one whose turn comes
   * after half its lease is released and claimed afresh there too. ClusterTest once counted dozens
   * of double deployments from leases that ran out under a slow background wave.
   */
  @Test
  void inTheBackgroundWorkWhoseTurnComesLateInAWaveIsClaimedAfreshNotRunUnderAnOldLease() {
    SlowBatch batch = new SlowBatch(2);
    batch.provisioner.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> batch.store.list().stream()
        .allMatch(e -> e.latestChange().orElseThrow().state() instanceof ChangeState.Completed));

    batch.assertCompletedOnlyUnderLiveLeases();
  }

  /**
   * Eight enrollments whose key store takes a minute of the clock for each key: the sixth of a
   * batch claimed together on one worker would start after its lease (five minutes) ran out. The
   * store records each step that began after the lease of the claim it came from ran out.
   */
  private final class SlowBatch {
    final List<String> stepsBegunUnderExpiredLease = new CopyOnWriteArrayList<>();
    final EnrollmentStore store;
    final CertificateProvisioner provisioner;

    SlowBatch(int workers) {
      Map<EnrollmentId, Instant> claimedAt = new ConcurrentHashMap<>();
      Map<EnrollmentId, Instant> readAt = new ConcurrentHashMap<>();
      store = new ForwardingEnrollmentStore() {
        @Override
        public List<EnrollmentId> claim(Instant now, int limit, String owner, Duration lease) {
          List<EnrollmentId> claimed = super.claim(now, limit, owner, lease);
          claimed.forEach(id -> claimedAt.put(id, clock.instant()));
          return claimed;
        }

        /** A step begins by reading its enrollment. */
        @Override
        public Optional<Enrollment> find(EnrollmentId id) {
          readAt.put(id, clock.instant());
          return super.find(id);
        }

        // Judged by when the step began, not by when it wrote: with two workers, the other's keys
        // move the shared clock on while this one's round ends.
        @Override
        public void update(Enrollment enrollment, long expectedVersion) {
          Instant claimed = claimedAt.get(enrollment.id());
          Instant begun = readAt.get(enrollment.id());
          if (claimed != null && begun != null && begun.isAfter(claimed.plus(LEASE))) {
            stepsBegunUnderExpiredLease.add(enrollment.id().value());
          }
          super.update(enrollment, expectedVersion);
        }
      };
      PrivateKeyStore slowKeys = new KeysInMemory() {
        @Override
        public PublicKey generate(KeyId id, KeyType type) {
          clock.advance(Duration.ofMinutes(1));
          return keys.generate(id, type);
        }
      };
      provisioner = CertificateProvisioner.builder().clock(clock).workers(workers).nodeId("slow")
          .leaseDuration(LEASE).enrollmentStore(store).keyStore(slowKeys).certificateAuthority(ca)
          .productionNetwork(production).build();
      provisioners.add(provisioner);
      ca.validationTime(ValidationType.DV, Duration.ZERO);
      for (int i = 0; i < 8; i++) {
        provisioner.enroll(Requests.dv("batch-" + i + ".example.com").build(), "alice");
      }
    }

    void assertCompletedOnlyUnderLiveLeases() {
      assertThat(store.list()).allSatisfy(e ->
          assertThat(e.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class));
      assertThat(production.deployments()).hasSize(8);
      assertThat(stepsBegunUnderExpiredLease).isEmpty();
    }
  }
}
