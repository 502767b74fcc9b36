package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.StaleChangeException;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several workers, a person answering while a step runs, an enrollment that cannot be read. */
class ConcurrencyTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create().workers(4);

  private final MutableClock clock = MutableClock.at(CpsTestkit.START);

  @Test
  void fourWorkersTakeManyEnrollmentsToProductionOrderingEachOnce() {
    CertificateProvisioner provisioner = cps.provisioner();
    List<Enrollment> enrolled = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      enrolled.add(provisioner.enroll(Requests.dv("host" + i + ".example.com").build(), "alice"));
    }

    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));

    for (Enrollment enrollment : enrolled) {
      Enrollment done = provisioner.enrollment(enrollment.id()).orElseThrow();
      assertThat(done.changes()).singleElement().extracting(c -> c.state()).isInstanceOf(ChangeState.Completed.class);
      assertThat(cps.production().live(enrollment.id())).contains(done.production().chain());
    }
    assertThat(cps.ca().orders()).hasSize(60);
    assertThat(cps.ca().issuedCount()).isEqualTo(60);
  }

  @Test
  void aCancelWhileTheCertificateIsBeingDeployedWaitsForTheStepAndIsRefused() throws Exception {
    GatedNetwork production = new GatedNetwork();
    CertificateProvisioner provisioner = provisioner(new InMemoryEnrollmentStore(), production);
    Enrollment enrolled = provisioner.enroll(Requests.dv("race.example.com").build(), "alice");
    provisioner.runDue();
    clock.advance(Duration.ofMinutes(2));
    ChangeRef seenBeforeTheDeployment = ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow());

    Thread engine = new Thread(provisioner::runDue, "engine");
    engine.start();
    assertThat(production.entered.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicReference<Throwable> answer = new AtomicReference<>();
    Thread person = new Thread(() -> {
      try {
        provisioner.cancel(seenBeforeTheDeployment, "bob");
      } catch (RuntimeException e) {
        answer.set(e);
      }
    }, "person");
    person.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> person.getState() == Thread.State.WAITING);
    production.release.countDown();
    engine.join(10_000);
    person.join(10_000);

    Enrollment after = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(after.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(after.production()).isNotNull();
    assertThat(production.live(enrolled.id())).contains(after.production().chain());
    assertThat(answer.get()).isInstanceOf(StaleChangeException.class);
  }

  @Test
  void anEnrollmentThatCannotBeReadIsLeftAloneForLongerEachTimeWhileTheOthersGoOn() {
    PoisonedStore store = new PoisonedStore();
    CertificateProvisioner provisioner = provisioner(store, new RecordingNetwork("production"));
    Enrollment good = provisioner.enroll(Requests.dv("good.example.com").build(), "alice");
    Enrollment bad = provisioner.enroll(Requests.dv("bad.example.com").build(), "alice");
    store.poison(bad.id());

    for (int pass = 0; pass < 50; pass++) {
      provisioner.runDue();
    }
    assertThat(store.poisonedReads.get()).as("one failed read, then quarantine, not a hot loop").isEqualTo(1);
    assertThat(provisioner.enrollment(good.id()).orElseThrow().latestChange().orElseThrow().state())
        .isInstanceOf(ChangeState.Validating.class);

    clock.advance(Duration.ofSeconds(1));
    provisioner.runDue();
    assertThat(store.poisonedReads.get()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    provisioner.runDue();
    assertThat(store.poisonedReads.get()).as("the second wait is two seconds").isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    provisioner.runDue();
    assertThat(store.poisonedReads.get()).isEqualTo(3);
  }

  @Test
  void aListenerMayHaveAnotherThreadAnswerWithoutWaitingOnTheEngine() {
    AtomicReference<CertificateProvisioner> self = new AtomicReference<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicInteger answered = new AtomicInteger();
    CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore())
        .keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(FakeCertificateAuthority.builder().clock(clock).build())
        .productionNetwork(new RecordingNetwork("production"))
        .workers(1)
        .listener(event -> {
          if (event instanceof ProvisioningEvent.InputNeeded asked) {
            // A host that hands the answer to another thread and waits for it, as a UI would.
            Thread person = new Thread(() -> {
              try {
                self.get().acknowledgeStagingTest(ChangeRef.of(asked), "bob");
                answered.incrementAndGet();
              } catch (RuntimeException e) {
                failures.add(e);
              }
            });
            person.start();
            try {
              person.join(5_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            if (person.isAlive()) {
              failures.add(new AssertionError("the answer waited on a lock the engine's thread held"));
            }
          }
        })
        .build();
    self.set(provisioner);
    Enrollment enrolled = provisioner.enroll(Requests.dv("listener.example.com").alwaysTestOnStaging(true).build(),
        "alice");

    provisioner.runDue();
    clock.advance(Duration.ofMinutes(2));
    provisioner.runDue();
    provisioner.runDue();

    assertThat(failures).isEmpty();
    assertThat(answered.get()).isEqualTo(1);
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow().state())
        .isInstanceOf(ChangeState.Completed.class);
  }

  @Test
  void aClosedProvisionerRefusesToRunOrStart() {
    CertificateProvisioner provisioner = cps.provisioner();
    provisioner.close();

    assertThatThrownBy(provisioner::runDue).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(provisioner::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  private CertificateProvisioner provisioner(EnrollmentStore store, DeploymentNetwork production) {
    return CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(store)
        .keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(FakeCertificateAuthority.builder().clock(clock).build())
        .productionNetwork(production)
        .workers(1)
        .build();
  }

  /** A production network whose deployment waits until the test lets it finish. */
  private static final class GatedNetwork implements DeploymentNetwork {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final RecordingNetwork recorded = new RecordingNetwork("production");

    @Override
    public void deploy(Deployment deployment) {
      entered.countDown();
      try {
        if (!release.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the deployment");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      recorded.deploy(deployment);
    }

    @Override
    public Optional<CertificateChain> live(EnrollmentId enrollment) {
      return recorded.live(enrollment);
    }
  }

  /** A store one of whose documents cannot be read, as a corrupt row would be. */
  private static final class PoisonedStore extends ForwardingEnrollmentStore {
    private volatile @Nullable EnrollmentId poisoned;
    final AtomicInteger poisonedReads = new AtomicInteger();

    void poison(EnrollmentId id) {
      poisoned = id;
    }

    @Override
    public Optional<Enrollment> find(EnrollmentId id) {
      if (id.equals(poisoned)) {
        poisonedReads.incrementAndGet();
        throw new IllegalStateException("document of " + id + " is corrupt");
      }
      return stored.find(id);
    }
  }
}
