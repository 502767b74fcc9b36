package dev.cps.tests;

import static dev.cps.tests.FirstIssuanceTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.RetryPolicy;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Enrollment;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.junit.CpsTestkit;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CA rejections fail the change with the CA's reason; transient failures back off and recover. */
class FailuresTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  /** A host's listener that fails with an Error (an assertion) stops neither the engine nor the other listeners. */
  @Test
  void aListenerThatThrowsAnErrorStopsNothing() {
    cps.configure(b -> b.listener(event -> {
      throw new AssertionError("the host's listener is wrong");
    }));
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().validationTime(ValidationType.DV, Duration.ZERO);
    Enrollment enrolled = provisioner.enroll(Requests.dv("listened.example.com").build(), "alice");

    provisioner.runDue();

    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.events()).filteredOn(ProvisioningEvent.Deployed.class::isInstance).hasSize(2);
  }

  @Test
  void aCaRejectionFailsTheChangeWithTheCasReason() {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().rejectNext("CAA record forbids this CA");
    Enrollment enrolled = provisioner.enroll(Requests.dv("caa.example.com").build(), "alice");

    provisioner.runDue();

    ChangeState state = state(provisioner, enrolled);
    assertThat(state).isInstanceOf(ChangeState.Failed.class);
    assertThat(((ChangeState.Failed) state).reason()).contains("CAA record forbids this CA");
    assertThat(cps.events()).filteredOn(ProvisioningEvent.Failed.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((ProvisioningEvent.Failed) e).reason()).contains("CAA record forbids this CA"));
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().nextActionAt()).isNull();
  }

  @Test
  void anOrderTheCaInvalidatesFailsTheChange() {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().invalidateNext("domain validation failed for invalid.example.com");
    Enrollment enrolled = provisioner.enroll(Requests.dv("invalid.example.com").build(), "alice");

    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));

    assertThat(state(provisioner, enrolled)).isInstanceOfSatisfying(ChangeState.Failed.class,
        failed -> assertThat(failed.reason()).contains("domain validation failed"));
  }

  @Test
  void transientFailuresBackOffExponentiallyThenSucceed() {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().failNext(4);
    Enrollment enrolled = provisioner.enroll(Requests.dv("flaky.example.com").build(), "alice");

    provisioner.runDue();
    List<Instant> retries = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Change change = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
      assertThat(change.attempts()).isEqualTo(i + 1);
      assertThat(change.lastError()).contains("fake CA unavailable");
      retries.add(change.nextActionAt());
      cps.clock().set(change.nextActionAt());
      provisioner.runDue();
    }
    Duration first = Duration.between(CpsTestkit.START, retries.get(0));
    assertThat(first).isBetween(Duration.ofMinutes(2), Duration.ofMinutes(5));
    for (int i = 1; i < retries.size(); i++) {
      Duration gap = Duration.between(retries.get(i - 1), retries.get(i));
      assertThat(gap).isBetween(Duration.ofMinutes(2).multipliedBy(1L << i), Duration.ofMinutes(3).multipliedBy(1L << i));
    }
    assertThat(cps.events()).filteredOn(ProvisioningEvent.RetryScheduled.class::isInstance).hasSize(4);

    cps.advance(Duration.ofMinutes(2));
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
    Change done = provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow();
    assertThat(done.attempts()).isZero();
    assertThat(done.timeline()).filteredOn(entry -> entry.what().contains("retry")).hasSize(4);
  }

  @Test
  void retriesAreCappedInHoursAndGiveUpSoNothingStaysStuck() {
    cps.configure(b -> b.retryPolicy(new RetryPolicy(Duration.ofMinutes(2), Duration.ofHours(6), 12)));
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().failNext(1000);
    Enrollment enrolled = provisioner.enroll(Requests.dv("down.example.com").build(), "alice");
    provisioner.runDue();

    Duration longest = Duration.ZERO;
    for (int i = 0; i < 20 && provisioner.enrollment(enrolled.id()).orElseThrow().openChange().isPresent(); i++) {
      Instant next = provisioner.enrollment(enrolled.id()).orElseThrow().nextActionAt();
      Duration gap = Duration.between(cps.clock().instant(), next);
      longest = gap.compareTo(longest) > 0 ? gap : longest;
      cps.clock().set(next);
      provisioner.runDue();
    }

    assertThat(longest).isLessThanOrEqualTo(Duration.ofHours(9));
    assertThat(state(provisioner, enrolled)).isInstanceOfSatisfying(ChangeState.Failed.class,
        failed -> assertThat(failed.reason()).contains("gave up after 12 attempts"));
  }

  /**
   * The key's write fails while the change's goes through, as with a key store apart from the
   * enrollment store: no order is placed for a key that is not stored; the key is made again first.
   */
  @Test
  void noOrderIsPlacedForAKeyWhoseWriteFailed() {
    LosingFirstInsert keys = new LosingFirstInsert();
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(cps.clock())
        .enrollmentStore(cps.store()).keyStore(keys).certificateAuthority(cps.ca())
        .productionNetwork(cps.production()).build()) {
      Enrollment enrolled = provisioner.enroll(Requests.dv("lost-key.example.com").build(), "alice");

      provisioner.runDue();
      assertThat(keys.stored.publicKey(KeyId.of(change(provisioner, enrolled).id().value()))).isEmpty();
      cps.clock().advance(Duration.ofSeconds(5));
      provisioner.runDue();

      assertThat(cps.ca().submitCount()).as("orders placed").isZero();
      Change again = change(provisioner, enrolled);
      assertThat(again.state()).isInstanceOf(ChangeState.KeyPending.class);
      assertThat(again.lastError()).contains("is not stored");

      for (int i = 0; i < 3; i++) {
        cps.clock().advance(Duration.ofMinutes(5));
        provisioner.runDue();
      }
      assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
      assertThat(cps.ca().submitCount()).isEqualTo(1);
      Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
      assertThat(done.production().chain().leaf().getPublicKey())
          .isEqualTo(keys.stored.publicKey(done.production().key()).orElseThrow());
    }
  }

  /**
   * A CA client that throws an Error (a class missing from the host's class path) is retried like
   * any failure of a plug-in: recorded on the change and backed off, the pass and the workers going on.
   */
  @Test
  void aPluginThatThrowsAnErrorIsRetriedLikeAnyOfItsFailures() {
    AtomicBoolean thrown = new AtomicBoolean();
    CertificateAuthority missingClass = Intercepted.of(CertificateAuthority.class, cps.ca(),
        (method, args, proceed) -> {
          if (method.getName().equals("submit") && thrown.compareAndSet(false, true)) {
            throw new NoClassDefFoundError("com/example/ca/OrderClient");
          }
          return proceed.call();
        });
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(cps.clock())
        .enrollmentStore(cps.store()).keyStore(cps.keys()).certificateAuthority(missingClass)
        .productionNetwork(cps.production()).workers(2).build()) {
      Enrollment enrolled = provisioner.enroll(Requests.dv("error.example.com").build(), "alice");
      Enrollment other = provisioner.enroll(Requests.dv("other.example.com").build(), "alice");

      provisioner.runDue();

      assertThat(List.of(change(provisioner, enrolled), change(provisioner, other)))
          .filteredOn(change -> change.attempts() > 0).singleElement().satisfies(failed -> {
            assertThat(failed.state()).isInstanceOf(ChangeState.CsrReady.class);
            assertThat(failed.attempts()).isEqualTo(1);
            assertThat(failed.lastError()).isEqualTo("NoClassDefFoundError: com/example/ca/OrderClient");
          });
      for (int i = 0; i < 3; i++) {
        cps.clock().advance(Duration.ofMinutes(5));
        provisioner.runDue();
      }
      assertThat(List.of(enrolled, other)).allSatisfy(e ->
          assertThat(state(provisioner, e)).isInstanceOf(ChangeState.Completed.class));
      assertThat(cps.ca().issuedCount()).isEqualTo(2);
    }
  }

  private static Change change(CertificateProvisioner provisioner, Enrollment enrolled) {
    return provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow();
  }

  /**
   * Keys in memory whose first insert fails once the key was handed out, as a JDBC store's would
   * after a lost connection: the key answers until then, and is not stored.
   */
  private static final class LosingFirstInsert implements PrivateKeyStore {
    final InMemoryPrivateKeyStore stored = new InMemoryPrivateKeyStore();
    private final InMemoryPrivateKeyStore handedOut = new InMemoryPrivateKeyStore();
    private final AtomicBoolean lost = new AtomicBoolean();

    @Override
    public PublicKey generate(KeyId id, KeyType type) {
      return stored.generate(id, type);
    }

    @Override
    public Generated generateAsync(KeyId id, KeyType type) {
      if (lost.compareAndSet(false, true)) {
        return new Generated(handedOut.generate(id, type),
            CompletableFuture.failedFuture(new IllegalStateException("the key's insert failed")));
      }
      return PrivateKeyStore.super.generateAsync(id, type);
    }

    @Override
    public Optional<PublicKey> publicKey(KeyId id) {
      return stored.publicKey(id);
    }

    @Override
    public PrivateKey privateKey(KeyId id) {
      return stored.publicKey(id).isPresent() ? stored.privateKey(id) : handedOut.privateKey(id);
    }

    @Override
    public void delete(KeyId id) {
      stored.delete(id);
    }
  }

  @Test
  void aFailedProductionDeploymentKeepsThePreviousCertificateLiveAndRetries() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("keep.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));
    DeployedCertificate first = provisioner.enrollment(enrolled.id()).orElseThrow().production();

    provisioner.renewNow(enrolled.id(), "alice");
    cps.production().failNext(1, "reload failed");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));

    Enrollment failedOnce = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(failedOnce.production()).isEqualTo(first);
    assertThat(cps.production().live(enrolled.id())).contains(first.chain());
    Change renewal = failedOnce.openChange().orElseThrow();
    assertThat(renewal.state()).isInstanceOf(ChangeState.ReadyForProduction.class);
    assertThat(renewal.lastError()).contains("reload failed");

    cps.clock().set(renewal.nextActionAt());
    provisioner.runDue();

    Enrollment renewed = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(renewed.production().change()).isEqualTo(renewal.id());
    assertThat(renewed.history()).containsExactly(first);
  }

  @Test
  void aFailedRenewalIsTriedAgainLaterNotForgotten() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("again.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));
    Instant renewalAt = provisioner.enrollment(enrolled.id()).orElseThrow().renewalAt();
    cps.ca().rejectNext("rate limited for the week");

    cps.clock().set(renewalAt);
    provisioner.runDue();
    Enrollment failed = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(failed.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Failed.class);
    assertThat(failed.renewalAt()).isEqualTo(renewalAt.plus(Duration.ofDays(1)));

    cps.clock().set(failed.renewalAt());
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().history()).hasSize(1);
  }
}
