package dev.cps.tests;

import static dev.cps.tests.FirstIssuanceTest.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.ProvisionerBuilder;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.ProbeResult;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Probes check that a network serves what was deployed; a failed probe holds the change back. */
class ProbesTest {
  private static final Duration DV_VALIDATION = Duration.ofMinutes(2);

  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @BeforeEach
  void probeBothNetworks() {
    cps.configure(b -> b
        .stagingProbe(cps.staging().probe(cps.clock()))
        .productionProbe(cps.production().probe(cps.clock())));
  }

  private Change change(CertificateProvisioner provisioner, Enrollment enrolled) {
    return provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow();
  }

  @Test
  void passingStagingProbesAreShownToWhoeverAcknowledges() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(
        Requests.dv("probe.example.com", "www.probe.example.com").alwaysTestOnStaging(true).build(), "alice");
    provisioner.runDue();
    cps.advance(DV_VALIDATION);

    Change waiting = change(provisioner, enrolled);
    assertThat(waiting.state()).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    assertThat(waiting.probes()).hasSize(2).allSatisfy(p -> {
      assertThat(p.passed()).isTrue();
      assertThat(p.role()).isEqualTo(NetworkRole.STAGING);
      assertThat(p.servedFingerprint()).isEqualTo(waiting.certificate().fingerprint());
    });
    assertThat(waiting.probes()).extracting(ProbeResult::serverName)
        .containsExactly("probe.example.com", "www.probe.example.com");
    assertThat(waiting.timeline().get(waiting.timeline().size() - 1).what()).contains("2 probe(s) passed");

    provisioner.acknowledgeStagingTest(ChangeRef.of(enrolled.id(), waiting), "bob");
    provisioner.runDue();
    Change done = change(provisioner, enrolled);
    assertThat(done.state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(done.probes()).extracting(ProbeResult::role)
        .containsExactly(NetworkRole.STAGING, NetworkRole.STAGING, NetworkRole.PRODUCTION, NetworkRole.PRODUCTION);
  }

  @Test
  void aStagingNetworkServingAStaleCertificateIsCaughtAndRetried() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("stale.example.com").build(), "alice");
    cps.staging().serveStale(true);
    provisioner.runDue();
    cps.advance(DV_VALIDATION);

    Change held = change(provisioner, enrolled);
    assertThat(held.state()).isInstanceOf(ChangeState.ReadyForStaging.class);
    assertThat(held.attempts()).isEqualTo(1);
    assertThat(held.lastError()).contains("probe failed").contains("nothing served");
    assertThat(held.probes()).singleElement().satisfies(p -> assertThat(p.passed()).isFalse());
    assertThat(cps.production().live(enrolled.id())).isEmpty();
    assertThat(cps.events()).filteredOn(ProvisioningEvent.RetryScheduled.class::isInstance).hasSize(1);

    cps.staging().serveStale(false);
    cps.clock().set(held.nextActionAt());
    provisioner.runDue();
    Change done = change(provisioner, enrolled);
    assertThat(done.state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(done.probes()).allSatisfy(p -> assertThat(p.passed()).isTrue());
    assertThat(cps.production().live(enrolled.id()).orElseThrow().fingerprint())
        .isEqualTo(done.certificate().fingerprint());
  }

  @Test
  void aRenewalOnAStaleStagingNetworkIsCaughtByFingerprint() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("renew.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(DV_VALIDATION);
    Change first = change(provisioner, enrolled);
    assertThat(first.state()).isInstanceOf(ChangeState.Completed.class);

    cps.staging().serveStale(true);
    provisioner.renewNow(enrolled.id(), "alice");
    provisioner.runDue();
    cps.advance(DV_VALIDATION);
    Change held = change(provisioner, enrolled);
    assertThat(held.state()).isInstanceOf(ChangeState.ReadyForStaging.class);
    assertThat(held.probes()).singleElement().satisfies(p -> {
      assertThat(p.passed()).isFalse();
      assertThat(p.servedFingerprint()).isEqualTo(first.certificate().fingerprint());
      assertThat(p.detail()).contains("instead of " + held.certificate().serialNumber());
    });
    assertThat(cps.production().live(enrolled.id()).orElseThrow().fingerprint())
        .isEqualTo(first.certificate().fingerprint());
  }

  @Test
  void productionCompletesOnlyOnceItsProbePasses() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("prod.example.com").build(), "alice");
    cps.production().serveStale(true);
    provisioner.runDue();
    cps.advance(DV_VALIDATION);

    Change held = change(provisioner, enrolled);
    assertThat(held.state()).isInstanceOf(ChangeState.ReadyForProduction.class);
    assertThat(held.lastError()).contains("probe failed");
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().production()).isNull();

    cps.production().serveStale(false);
    cps.clock().set(held.nextActionAt());
    provisioner.runDue();
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().production()).isNotNull();
  }

  @Test
  void autoAcknowledgementNeedsEveryStagingProbeToPass() {
    HandBuilt f = new HandBuilt();
    try (CertificateProvisioner provisioner = f.builder().stagingProbe(f.staging.probe(f.clock))
        .autoAcknowledgeStaging(true).build()) {
      Enrollment enrolled = provisioner.enroll(Requests.dv("auto.example.com").alwaysTestOnStaging(true).build(), "a");
      provisioner.runDue();
      f.clock.advance(DV_VALIDATION);
      provisioner.runDue();
      Change done = change(provisioner, enrolled);
      assertThat(done.state()).isInstanceOf(ChangeState.Completed.class);
      assertThat(done.stagingAcknowledgement().who()).isEqualTo("staging probe");
      assertThat(done.stagingAcknowledgement().what()).contains("every probe passed");
    }
  }

  @Test
  void autoAcknowledgementWithoutAProbeIsRefusedByTheBuilder() {
    HandBuilt f = new HandBuilt();
    assertThatThrownBy(() -> f.builder().autoAcknowledgeStaging(true).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("autoAcknowledgeStaging").hasMessageContaining("stagingProbe");
  }

  /** A provisioner built by hand, for builder options the extension does not set. */
  private static final class HandBuilt {
    final MutableClock clock = MutableClock.at(CpsTestkit.START);
    final RecordingNetwork staging = new RecordingNetwork("staging");

    ProvisionerBuilder builder() {
      return CertificateProvisioner.builder().clock(clock).workers(1)
          .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
          .certificateAuthority(FakeCertificateAuthority.builder().id("fake").clock(clock).build())
          .stagingNetwork(staging).productionNetwork(new RecordingNetwork("production"));
    }
  }
}
