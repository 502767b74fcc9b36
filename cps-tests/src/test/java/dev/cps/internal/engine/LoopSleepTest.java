package dev.cps.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import dev.cps.tests.Intercepted;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * How long the background loop sleeps when all that is due now is quarantined: until the
 * quarantine ends, but never past another enrollment's next action, and never more than 30 s.
 */
class LoopSleepTest {
  private final MutableClock clock = MutableClock.at(CpsTestkit.START);
  private final InMemoryEnrollmentStore stored = new InMemoryEnrollmentStore();
  private final FakeCertificateAuthority ca = FakeCertificateAuthority.builder().clock(clock).build()
      .validationTime(ValidationType.DV, Duration.ofSeconds(20));
  private volatile @Nullable EnrollmentId corrupt;

  /** The store, but the corrupt enrollment's document cannot be read. */
  private EnrollmentStore store() {
    return Intercepted.of(EnrollmentStore.class, stored, (method, args, proceed) -> {
      if (method.getName().equals("find") && args[0].equals(corrupt)) {
        throw new IllegalStateException("the document of " + corrupt + " is corrupt");
      }
      return proceed.call();
    });
  }

  private Provisioner provisioner() {
    return (Provisioner) CertificateProvisioner.builder().clock(clock).enrollmentStore(store())
        .keyStore(new InMemoryPrivateKeyStore()).certificateAuthority(ca)
        .productionNetwork(new RecordingNetwork("production")).workers(1).build();
  }

  /** Fails the corrupt enrollment until its quarantine is at its longest, five minutes. */
  private void quarantineForFiveMinutes(Provisioner provisioner) {
    for (int pass = 0; pass < 12; pass++) {
      clock.advance(Duration.ofMinutes(6));
      provisioner.runDue();
    }
  }

  private static EnrollmentRequest request(String name) {
    return EnrollmentRequest.builder().commonName(name).validationType(ValidationType.DV).build();
  }

  @Test
  void aQuarantinedEnrollmentDoesNotHoldTheLoopPastAnotherOnesNextAction() {
    try (Provisioner provisioner = provisioner()) {
      corrupt = provisioner.enroll(request("corrupt.example.com"), "alice").id();
      quarantineForFiveMinutes(provisioner);
      EnrollmentId waiting = provisioner.enroll(request("waiting.example.com"), "alice").id();
      provisioner.runDue(); // ordered; the CA validates for 20 s
      Instant poll = provisioner.enrollment(waiting).orElseThrow().nextActionAt();
      assertThat(poll).as("the other's next poll").isBetween(clock.instant().plusSeconds(1), clock.instant()
          .plusSeconds(30));

      assertThat(provisioner.scheduler().untilNextDue()).isEqualTo(Duration.between(clock.instant(), poll));
    }
  }

  @Test
  void withNothingElseDueTheLoopLooksAgainWithinThirtySeconds() {
    try (Provisioner provisioner = provisioner()) {
      corrupt = provisioner.enroll(request("corrupt.example.com"), "alice").id();
      quarantineForFiveMinutes(provisioner);

      assertThat(provisioner.scheduler().untilNextDue()).isEqualTo(Duration.ofSeconds(30));
    }
  }
}
