package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.TimelineEntry;
import dev.cps.testkit.junit.CpsTestkit;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FirstIssuanceTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @Test
  void dvCertificateGoesThroughEveryStepToProduction() throws Exception {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("www.example.com", "example.com").build(), "alice");
    Change first = enrolled.openChange().orElseThrow();
    CompletableFuture<DeployedCertificate> live = provisioner.awaitProduction(enrolled.id(), first.id());

    provisioner.runDue();

    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Validating.class);
    assertThat(live).isNotDone();
    assertThat(cps.production().deployments()).isEmpty();

    cps.advance(Duration.ofMinutes(2));

    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    Change change = done.change(first.id()).orElseThrow();
    assertThat(change.state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(done.openChange()).isEmpty();
    DeployedCertificate production = done.production();
    assertThat(production).isNotNull();
    assertThat(live).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(production);
    X509Certificate leaf = production.chain().leaf();
    assertThat(leaf.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
        .containsExactlyInAnyOrder("www.example.com", "example.com");
    assertThat(leaf.getPublicKey()).isEqualTo(cps.keys().publicKey(change.key()).orElseThrow());
    assertThat(cps.staging().live(enrolled.id())).contains(production.chain());
    assertThat(cps.production().live(enrolled.id())).contains(production.chain());
    assertThat(cps.ca().orders()).hasSize(1);
    assertThat(done.renewalAt()).isEqualTo(production.notAfter().minus(Duration.ofDays(20)));
  }

  @Test
  void timelineRecordsEveryTransitionInOrderWithWhoAndWhen() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("shop.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));

    List<TimelineEntry> timeline = provisioner.enrollment(enrolled.id()).orElseThrow().changes().get(0).timeline();

    assertThat(timeline).extracting(TimelineEntry::what).satisfiesExactly(
        what -> assertThat(what).startsWith("opened (NEW_CERTIFICATE)"),
        what -> assertThat(what).startsWith("KeyPending -> CsrReady: key ").contains("stored, CSR created"),
        what -> assertThat(what).startsWith("CsrReady -> Validating: order "),
        what -> assertThat(what).startsWith("Validating -> ReadyForStaging: certificate "),
        what -> assertThat(what).startsWith("ReadyForStaging -> ReadyForProduction: deployed to staging"),
        what -> assertThat(what).startsWith("ReadyForProduction -> Completed: deployed to production"));
    assertThat(timeline.get(0).who()).isEqualTo("alice");
    assertThat(timeline.subList(1, timeline.size())).extracting(TimelineEntry::who).containsOnly("engine");
    assertThat(timeline.get(1).at()).isEqualTo(CpsTestkit.START);
    assertThat(timeline.get(5).at()).isEqualTo(CpsTestkit.START.plus(Duration.ofMinutes(2)));
  }

  @Test
  void keyIsStoredBeforeTheCsrAndTheOrder() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("api.example.com").build(), "alice");
    cps.ca().failNext(1);

    provisioner.runDue();

    Change change = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(change.state()).isInstanceOf(ChangeState.CsrReady.class);
    assertThat(change.key()).isNotNull();
    assertThat(cps.keys().publicKey(change.key())).isPresent();
    assertThat(change.csr()).isNotNull();
    assertThat(change.order()).isNull();
  }

  @Test
  void eventsFollowTheTransitionsStagingBeforeProduction() {
    CertificateProvisioner provisioner = cps.provisioner();
    provisioner.enroll(Requests.dv("events.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));

    List<ProvisioningEvent> events = cps.events();
    assertThat(events).filteredOn(ProvisioningEvent.Transitioned.class::isInstance)
        .extracting(e -> ((ProvisioningEvent.Transitioned) e).to())
        .containsExactly("KeyPending", "CsrReady", "Validating", "ReadyForStaging", "ReadyForProduction", "Completed");
    assertThat(events).filteredOn(ProvisioningEvent.Deployed.class::isInstance)
        .extracting(e -> ((ProvisioningEvent.Deployed) e).network())
        .containsExactly(NetworkRole.STAGING, NetworkRole.PRODUCTION);
  }

  @Test
  void ovValidationTakesDaysAndIsPolledLessOftenAsItGoes() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.ov("corp.example.com").build(), "alice");
    provisioner.runDue();

    cps.runFor(Duration.ofDays(2).minusMinutes(1), Duration.ofMinutes(1));
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Validating.class);
    Instant lastPoll = provisioner.enrollment(enrolled.id()).orElseThrow().nextActionAt();
    assertThat(Duration.between(cps.clock().instant(), lastPoll)).isLessThanOrEqualTo(Duration.ofHours(1));

    cps.runFor(Duration.ofHours(1).plusMinutes(1), Duration.ofMinutes(1));
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
  }

  static ChangeState state(CertificateProvisioner provisioner, Enrollment enrollment) {
    return provisioner.enrollment(enrollment.id()).orElseThrow().latestChange().orElseThrow().state();
  }
}
