package dev.cps.ca.acme;

import static org.awaitility.Awaitility.await;

import dev.cps.CertificateProvisioner;
import dev.cps.ProvisionerBuilder;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A provisioner on an ACME CA, with the testkit's in-memory stores and recording networks. Its
 * clock starts at the real time, because Pebble signs certificates valid from the real time; the
 * tests move it forward only to make the engine's scheduled work due.
 */
final class Workflow implements AutoCloseable {
  final MutableClock clock = MutableClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  final InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
  final InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
  final RecordingNetwork staging = new RecordingNetwork("staging");
  final RecordingNetwork production = new RecordingNetwork("production");
  final List<ProvisioningEvent> events = Collections.synchronizedList(new ArrayList<>());
  final AcmeCertificateAuthority ca;
  final CertificateProvisioner provisioner;

  Workflow(AcmeFixture acme, Consumer<AcmeCertificateAuthorityBuilder> caConfig, Consumer<ProvisionerBuilder> config) {
    AcmeCertificateAuthorityBuilder caBuilder = acme.ca(keys, clock);
    caConfig.accept(caBuilder);
    this.ca = caBuilder.build();
    ProvisionerBuilder builder = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(store)
        .keyStore(keys)
        .certificateAuthority(ca)
        .stagingNetwork(staging)
        .productionNetwork(production)
        .listener(events::add)
        .workers(2)
        .jitterSeed(7);
    config.accept(builder);
    this.provisioner = builder.build();
  }

  Enrollment enroll(String commonName, String... sans) {
    return provisioner.enroll(
        EnrollmentRequest.builder().commonName(commonName).subjectAlternativeNames(List.of(sans)).build(), "alice");
  }

  Enrollment enrollment(EnrollmentId id) {
    return provisioner.enrollment(id).orElseThrow();
  }

  Change latest(EnrollmentId id) {
    return enrollment(id).latestChange().orElseThrow();
  }

  /**
   * Runs the engine until the condition holds: whenever nothing is due now, the clock jumps to the
   * enrollment's next action (a poll, a retry), while Pebble works in real time.
   */
  Enrollment until(EnrollmentId id, String what, Predicate<Enrollment> condition) {
    await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
      provisioner.runDue();
      Enrollment enrollment = enrollment(id);
      if (condition.test(enrollment)) {
        return true;
      }
      Change latest = enrollment.latestChange().orElseThrow();
      if (latest.state().terminal() && enrollment.openChange().isEmpty() && enrollment.renewalAt() == null) {
        throw new AssertionError("waiting for " + what + " but the change ended " + latest.state()
            + "; last error: " + latest.lastError());
      }
      Instant next = enrollment.nextActionAt();
      if (next != null && next.isAfter(clock.instant())) {
        clock.set(next);
      }
      return false;
    });
    return enrollment(id);
  }

  Enrollment untilState(EnrollmentId id, Class<? extends ChangeState> state) {
    return until(id, "a change in " + state.getSimpleName(), e -> state.isInstance(e.latestChange().orElseThrow().state()));
  }

  Enrollment untilProduction(EnrollmentId id) {
    return untilState(id, ChangeState.Completed.class);
  }

  @Override
  public void close() {
    provisioner.close();
  }
}
