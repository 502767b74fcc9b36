package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.RenewalWindow;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A CA that says when to ask again (ARI's Retry-After) is asked again, and its moved window moves the renewal. */
class RenewalWindowCheckTest {
  private static final Duration DV_VALIDATION = Duration.ofMinutes(2);

  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @Test
  void aMovedWindowMovesTheRenewal() {
    AtomicReference<Duration> windowStartBeforeExpiry = new AtomicReference<>(Duration.ofDays(30));
    cps.ca().renewalAdvice(chain -> {
      Instant start = chain.notAfter().minus(windowStartBeforeExpiry.get());
      return Optional.of(new RenewalWindow(start, start.plus(Duration.ofDays(1)),
          cps.clock().instant().plus(Duration.ofDays(6))));
    });
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("ari.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(DV_VALIDATION);

    Enrollment live = provisioner.enrollment(enrolled.id()).orElseThrow();
    Instant notAfter = live.production().notAfter();
    Instant firstCheck = live.renewalCheckAt();
    assertThat(firstCheck).isEqualTo(cps.clock().instant().plus(Duration.ofDays(6)));
    assertThat(live.renewalAt()).isBetween(notAfter.minus(Duration.ofDays(30)), notAfter.minus(Duration.ofDays(29)));
    assertThat(live.nextActionAt()).isEqualTo(firstCheck);

    // The CA now wants the certificate replaced early (say it will be revoked): renew within days.
    windowStartBeforeExpiry.set(Duration.ofDays(80));
    cps.clock().set(firstCheck);
    provisioner.runDue();
    Enrollment moved = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(moved.renewalAt()).isBetween(notAfter.minus(Duration.ofDays(80)), notAfter.minus(Duration.ofDays(79)));
    assertThat(moved.renewalCheckAt()).as("the CA's next check would come after the renewal").isNull();
    assertThat(moved.nextActionAt()).isEqualTo(moved.renewalAt());
    assertThat(moved.openChange()).isEmpty();

    cps.clock().set(moved.renewalAt());
    provisioner.runDue();
    cps.advance(DV_VALIDATION);
    Enrollment renewed = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(renewed.latestChange().orElseThrow().reason()).isEqualTo(ChangeReason.RENEWAL);
    assertThat(renewed.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.ca().issuedCount()).isEqualTo(2);
  }

  /** A window that could not be read (the CA down for a moment) is asked for again, six hours on. */
  @Test
  void aWindowThatCouldNotBeReadIsAskedForAgain() {
    AtomicReference<Boolean> down = new AtomicReference<>(true);
    cps.ca().renewalAdvice(chain -> {
      if (down.get()) {
        throw new CaUnavailableException("renewal information unavailable");
      }
      Instant start = chain.notAfter().minus(Duration.ofDays(80));
      return Optional.of(new RenewalWindow(start, start.plus(Duration.ofDays(1)), null));
    });
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("blip.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(DV_VALIDATION);
    Enrollment live = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(live.renewalCheckAt()).isEqualTo(cps.clock().instant().plus(Duration.ofHours(6)));

    down.set(false);
    cps.clock().set(live.renewalCheckAt());
    provisioner.runDue();
    Instant notAfter = live.production().notAfter();
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().renewalAt())
        .as("in the window read the second time").isBetween(notAfter.minus(Duration.ofDays(80)),
            notAfter.minus(Duration.ofDays(79)));
  }

  @Test
  void aCaWithoutAWindowIsNotAskedAgain() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("plain.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(DV_VALIDATION);
    Enrollment live = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(live.renewalCheckAt()).isNull();
    assertThat(live.nextActionAt()).isEqualTo(live.renewalAt());
  }

  @Test
  void aCheckTimeTooSoonIsPushedToAnHour() {
    cps.ca().renewalAdvice(chain -> Optional.of(new RenewalWindow(chain.notAfter().minus(Duration.ofDays(30)),
        chain.notAfter().minus(Duration.ofDays(29)), cps.clock().instant())));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("eager.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(DV_VALIDATION);
    Enrollment live = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(live.renewalCheckAt()).isEqualTo(cps.clock().instant().plus(Duration.ofHours(1)));
  }
}
