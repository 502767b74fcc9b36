package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker steps its enrollments side by side: it hands the write of each step to the store without
 * waiting, and waits once for all of them before anything that follows a step (the next side
 * effect, an event) happens.
 */
class WavesTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private final HeldWritesStore store = new HeldWritesStore();
  private final MutableClock clock = MutableClock.at(CpsTestkit.START);
  private final FakeCertificateAuthority ca =
      FakeCertificateAuthority.builder().clock(clock).build().validationTime(ValidationType.DV, Duration.ZERO);
  private final RecordingNetwork production = new RecordingNetwork("production");
  private final List<ProvisioningEvent> events = new CopyOnWriteArrayList<>();
  private final CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(clock)
      .enrollmentStore(store).keyStore(new InMemoryPrivateKeyStore()).certificateAuthority(ca)
      .productionNetwork(production).listener(events::add).build();
  private final ExecutorService engine = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    engine.shutdownNow();
    provisioner.close();
  }

  @Test
  void oneWorkerHandsOverTheWritesOfAllItsEnrollmentsAndNothingFollowsBeforeTheyAreWritten() throws Exception {
    List<Enrollment> enrolled = enroll(10);
    int eventsBefore = events.size();

    Future<Integer> pass = engine.submit(provisioner::runDue);
    await().atMost(PATIENCE).until(() -> store.held() == 10);
    assertThat(ca.orders()).as("no CSR leaves before it is stored").isEmpty();
    assertThat(events).as("no event before its step is stored").hasSize(eventsBefore);
    for (Enrollment enrollment : enrolled) {
      assertThat(store.stored(enrollment.id()).orElseThrow().openChange().orElseThrow().state())
          .isInstanceOf(ChangeState.KeyPending.class);
    }

    store.letGo(Set.of());
    assertThat(pass.get(30, TimeUnit.SECONDS)).isEqualTo(10);
    assertThat(ca.orders()).hasSize(10);
    assertThat(transitionsTo("CsrReady")).hasSize(10);
    for (Enrollment enrollment : enrolled) {
      assertThat(production.live(enrollment.id())).isPresent();
    }
    assertThat(ca.issuedCount()).isEqualTo(10);
  }

  @Test
  void aWriteThatFailsStopsItsEnrollmentAloneAndItsStepIsDoneAgainLater() throws Exception {
    List<Enrollment> enrolled = enroll(5);
    EnrollmentId failing = enrolled.get(2).id();

    Future<Integer> pass = engine.submit(provisioner::runDue);
    await().atMost(PATIENCE).until(() -> store.held() == 5);
    store.letGo(Set.of(failing));
    pass.get(30, TimeUnit.SECONDS);

    assertThat(ca.orders()).as("the four others ordered, and went on").hasSize(4);
    assertThat(production.deployments()).hasSize(4);
    assertThat(transitionsTo("CsrReady")).extracting(ProvisioningEvent.Transitioned::enrollment)
        .doesNotContain(failing).hasSize(4);
    assertThat(store.stored(failing).orElseThrow().openChange().orElseThrow().state())
        .isInstanceOf(ChangeState.KeyPending.class);

    clock.advance(Duration.ofMinutes(1));
    assertThat(provisioner.runDue()).as("the failed one, left alone for a while, comes back").isEqualTo(1);
    for (Enrollment enrollment : enrolled) {
      assertThat(production.live(enrollment.id())).as(enrollment.id().value()).isPresent();
    }
    assertThat(ca.orders()).as("each ordered once").hasSize(5);
  }

  @Test
  void whileABatchWaitsForItsWritesTheNextIsClaimedAndQueuedBehindIt() throws Exception {
    HeldWritesStore held = new HeldWritesStore();
    try (CertificateProvisioner twoWorkers = twoWorkersOver(held)) {
      for (int i = 0; i < 300; i++) {
        twoWorkers.enroll(Requests.dv("batch" + i + ".example.com").build(), "alice");
      }

      Future<Integer> pass = engine.submit(twoWorkers::runDue);
      await().atMost(PATIENCE).until(() -> held.claims().size() == 2);
      assertThat(held.claims()).extracting(List::size).as("the second batch is leased while the first runs")
          .containsExactly(256, 44);
      await().atMost(PATIENCE).until(() -> held.held() == 256);
      assertThat(ca.orders()).isEmpty();

      held.letGo(Set.of());
      assertThat(pass.get(30, TimeUnit.SECONDS)).isEqualTo(300);
      assertThat(ca.orders()).hasSize(300);
      assertThat(held.claims().get(1)).doesNotContainAnyElementsOf(held.claims().get(0));
    }
  }

  @Test
  void inTheBackgroundABacklogIsHandedOutInWaves() throws Exception {
    HeldWritesStore backlog = new HeldWritesStore();
    try (CertificateProvisioner background = twoWorkersOver(backlog)) {
      List<CompletableFuture<?>> deployed = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Enrollment enrolled = background.enroll(Requests.dv("backlog" + i + ".example.com").build(), "alice");
        deployed.add(background.awaitProduction(enrolled.id(), enrolled.openChange().orElseThrow().id()));
      }
      background.start();
      await().atMost(PATIENCE).until(() -> backlog.held() == 10);
      assertThat(ca.orders()).isEmpty();

      backlog.letGo(Set.of());
      CompletableFuture.allOf(deployed.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(ca.orders()).hasSize(10);
    }
  }

  @Test
  void aCsrWhoseKeyIsNotTheStoredOneIsMadeAgainBeforeItLeaves() throws Exception {
    InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
    PrivateKeyStore racing = new RacingKeyStore(keys);
    try (CertificateProvisioner raced = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(racing).certificateAuthority(ca)
        .productionNetwork(production).build()) {
      Enrollment enrolled = raced.enroll(Requests.dv("raced.example.com").build(), "alice");
      raced.runDue(); // in one pass, without waiting for a retry

      Enrollment done = raced.enrollment(enrolled.id()).orElseThrow();
      KeyId key = done.production().key();
      assertThat(ca.orders()).as("one order, so the CSR of the key that lost never left").hasSize(1);
      assertThat(production.live(enrolled.id()).orElseThrow().leaf().getPublicKey().getEncoded())
          .isEqualTo(keys.publicKey(key).orElseThrow().getEncoded());
      assertThat(done.latestChange().orElseThrow().timeline())
          .anySatisfy(entry -> assertThat(entry.what()).contains("CSR made again from key " + key + " as stored"))
          .as("not a failure").noneSatisfy(entry -> assertThat(entry.what()).contains("failed"));
    }
  }

  /**
   * Stands for another process that stored a key under the id first: the first key handed out
   * without waiting is one of its own, and the future completes with the one stored.
   */
  private static final class RacingKeyStore extends ForwardingPrivateKeyStore {
    private final Set<KeyId> raced = ConcurrentHashMap.newKeySet();
    private final Map<KeyId, PrivateKey> handedOut = new ConcurrentHashMap<>();

    RacingKeyStore(PrivateKeyStore stored) {
      super(stored);
    }

    @Override
    public Generated generateAsync(KeyId id, KeyType type) {
      if (!raced.add(id)) {
        return stored.generateAsync(id, type);
      }
      PublicKey winner = stored.generate(id, type);
      PrivateKeyStore elsewhere = new InMemoryPrivateKeyStore();
      PublicKey lost = elsewhere.generate(id, type);
      handedOut.put(id, elsewhere.privateKey(id));
      return new Generated(lost, CompletableFuture.supplyAsync(() -> {
        handedOut.remove(id);
        return winner;
      }, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)));
    }

    @Override
    public PrivateKey privateKey(KeyId id) {
      PrivateKey mine = handedOut.get(id);
      return mine != null ? mine : stored.privateKey(id);
    }
  }

  /** A provisioner of its own, with two workers, over the given store. */
  private CertificateProvisioner twoWorkersOver(HeldWritesStore store) {
    return CertificateProvisioner.builder().clock(clock).workers(2).enrollmentStore(store)
        .keyStore(new InMemoryPrivateKeyStore()).certificateAuthority(ca).productionNetwork(production).build();
  }

  private List<Enrollment> enroll(int count) {
    List<Enrollment> enrolled = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      enrolled.add(provisioner.enroll(Requests.dv("wave" + i + ".example.com").build(), "alice"));
    }
    return enrolled;
  }

  private List<ProvisioningEvent.Transitioned> transitionsTo(String state) {
    return events.stream()
        .filter(ProvisioningEvent.Transitioned.class::isInstance)
        .map(ProvisioningEvent.Transitioned.class::cast)
        .filter(t -> t.to().equals(state))
        .toList();
  }
}
