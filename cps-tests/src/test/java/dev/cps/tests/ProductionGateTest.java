package dev.cps.tests;

import static dev.cps.tests.FirstIssuanceTest.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.InputNotExpectedException;
import dev.cps.StaleChangeException;
import dev.cps.UpdateMode;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.InputKind;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DESIGN step 9: the acknowledgement, the deployment date, both together, and the seven-day rule. */
class ProductionGateTest {
  private static final Duration DV_VALIDATION = Duration.ofMinutes(2);

  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @Test
  void alwaysTestOnStagingWaitsForTheAcknowledgement() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("ats.example.com").alwaysTestOnStaging(true).build(), "alice");
    issue(provisioner);

    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    assertThat(cps.staging().live(enrolled.id())).isPresent();
    assertThat(cps.production().live(enrolled.id())).isEmpty();
    ProvisioningEvent.InputNeeded asked = cps.events().stream()
        .filter(ProvisioningEvent.InputNeeded.class::isInstance).map(ProvisioningEvent.InputNeeded.class::cast)
        .reduce((a, b) -> b).orElseThrow();
    assertThat(asked.kind()).isEqualTo(InputKind.STAGING_TEST);

    cps.advance(Duration.ofDays(30));
    assertThat(cps.production().live(enrolled.id())).isEmpty();

    Change acknowledged = provisioner.acknowledgeStagingTest(ChangeRef.of(asked), "bob");
    assertThat(acknowledged.stagingAcknowledgement().who()).isEqualTo("bob");
    provisioner.runDue();

    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.production().live(enrolled.id())).isPresent();
  }

  @Test
  void staleAcknowledgementIsRefusedAndChangesNothing() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("stale.example.com").alwaysTestOnStaging(true).build(), "alice");
    ChangeRef seenAtEnrollment = ChangeRef.ofOpenChange(enrolled);
    issue(provisioner);

    assertThatThrownBy(() -> provisioner.acknowledgeStagingTest(seenAtEnrollment, "bob"))
        .isInstanceOf(StaleChangeException.class)
        .hasMessageContaining("version " + seenAtEnrollment.version())
        .hasMessageContaining("AwaitingStagingTest");
    provisioner.runDue();
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingStagingTest.class);
  }

  @Test
  void acknowledgementIsRefusedWhenTheChangeIsNotOnStaging() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("early.example.com").alwaysTestOnStaging(true).build(), "alice");
    provisioner.runDue();

    ChangeRef validating = ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow());
    assertThatThrownBy(() -> provisioner.acknowledgeStagingTest(validating, "bob"))
        .isInstanceOf(InputNotExpectedException.class)
        .hasMessageContaining("Validating");
  }

  @Test
  void neverProductionBeforeTheNotBeforeDate() {
    Instant notBefore = CpsTestkit.START.plus(Duration.ofDays(10));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = issuedAndHeldUntil("dated.example.com", notBefore);

    cps.clock().set(notBefore.minusSeconds(1));
    provisioner.runDue();
    assertThat(cps.production().live(enrolled.id())).isEmpty();

    cps.clock().set(notBefore);
    provisioner.runDue();
    DeployedCertificate live = provisioner.enrollment(enrolled.id()).orElseThrow().production();
    assertThat(live).isNotNull();
    assertThat(live.deployedAt()).isEqualTo(notBefore);
  }

  /** A date past what the certificate lives would have served it expired: the change fails instead. */
  @Test
  void aCertificateHeldBackUntilItsExpiryIsNotDeployed() {
    Instant notBefore = CpsTestkit.START.plus(Duration.ofDays(120));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = issuedAndHeldUntil("too-late.example.com", notBefore);

    cps.clock().set(notBefore);
    provisioner.runDue();

    assertThat(cps.production().deployments()).isEmpty();
    ChangeState state = state(provisioner, enrolled);
    assertThat(state).isInstanceOf(ChangeState.Failed.class);
    assertThat(((ChangeState.Failed) state).reason()).contains("within the minimum lifetime");
  }

  @Test
  void withBothSetTheAcknowledgementAloneIsNotEnough() {
    Instant notBefore = CpsTestkit.START.plus(Duration.ofDays(10));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(
        Requests.dv("both.example.com").alwaysTestOnStaging(true).deploymentNotBefore(notBefore).build(), "alice");
    issue(provisioner);
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingStagingTest.class);

    provisioner.acknowledgeStagingTest(ref(provisioner, enrolled), "bob");
    assertThat(state(provisioner, enrolled)).isEqualTo(new ChangeState.AwaitingDeploymentDate(notBefore));
    cps.clock().set(notBefore.minusSeconds(1));
    provisioner.runDue();
    assertThat(cps.production().live(enrolled.id())).isEmpty();

    cps.clock().set(notBefore);
    provisioner.runDue();
    assertThat(cps.production().live(enrolled.id())).isPresent();
  }

  @Test
  void withBothSetTheDateAloneIsNotEnough() {
    Instant notBefore = CpsTestkit.START.plus(Duration.ofDays(10));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(
        Requests.dv("both.example.com").alwaysTestOnStaging(true).deploymentNotBefore(notBefore).build(), "alice");
    issue(provisioner);

    cps.clock().set(notBefore.plus(Duration.ofDays(5)));
    provisioner.runDue();
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    assertThat(cps.production().live(enrolled.id())).isEmpty();

    provisioner.acknowledgeStagingTest(ref(provisioner, enrolled), "bob");
    provisioner.runDue();
    assertThat(cps.production().live(enrolled.id())).isPresent();
  }

  @Test
  void deploymentDateCanBeSetAndClearedOnAStagedChange() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("later.example.com").alwaysTestOnStaging(true).build(), "alice");
    issue(provisioner);
    Instant notBefore = cps.clock().instant().plus(Duration.ofDays(3));

    provisioner.setDeploymentDate(ref(provisioner, enrolled), notBefore, "carol");
    provisioner.acknowledgeStagingTest(ref(provisioner, enrolled), "bob");
    provisioner.runDue();
    assertThat(state(provisioner, enrolled)).isEqualTo(new ChangeState.AwaitingDeploymentDate(notBefore));

    provisioner.setDeploymentDate(ref(provisioner, enrolled), null, "carol");
    provisioner.runDue();
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
  }

  /** A date already reached is cleared, as at enrollment: it would turn the seven-day rule off. */
  @Test
  void aDeploymentDateSetInThePastIsCleared() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("past-date.example.com").alwaysTestOnStaging(true).build(),
        "alice");
    issue(provisioner);

    Change dated = provisioner.setDeploymentDate(ref(provisioner, enrolled),
        cps.clock().instant().minusSeconds(60), "carol");

    assertThat(dated.deploymentNotBefore()).isNull();
    assertThat(dated.timeline().get(dated.timeline().size() - 1).what()).contains("has passed: cleared");
  }

  @Test
  void sevenDaysBeforeTheLiveCertificateExpiresAStagedRenewalGoesWithoutTheAcknowledgement() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = liveThenStagedRenewal(provisioner, null);
    Instant expiry = provisioner.enrollment(enrolled.id()).orElseThrow().production().notAfter();
    Instant sevenDaysBefore = expiry.minus(Duration.ofDays(7));
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow().nextActionAt())
        .isEqualTo(sevenDaysBefore);

    cps.clock().set(sevenDaysBefore.minusSeconds(1));
    provisioner.runDue();
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    assertThat(cps.production().deploymentsFor(enrolled.id())).hasSize(1);

    cps.clock().set(sevenDaysBefore);
    provisioner.runDue();
    Enrollment renewed = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(renewed.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(renewed.production().deployedAt()).isEqualTo(sevenDaysBefore);
    assertThat(renewed.latestChange().orElseThrow().stagingAcknowledgement()).isNull();
    assertThat(renewed.latestChange().orElseThrow().timeline())
        .anySatisfy(entry -> assertThat(entry.what()).contains("seven-day rule"));
  }

  @Test
  void theSevenDayRuleDoesNotApplyWhenADeploymentDateIsSet() {
    CertificateProvisioner provisioner = cps.provisioner();
    Instant farAway = CpsTestkit.START.plus(Duration.ofDays(365));
    Enrollment enrolled = liveThenStagedRenewal(provisioner, farAway);
    Instant expiry = provisioner.enrollment(enrolled.id()).orElseThrow().production().notAfter();

    cps.clock().set(expiry.minus(Duration.ofDays(7)));
    provisioner.runDue();
    cps.clock().set(expiry.minus(Duration.ofDays(1)));
    provisioner.runDue();

    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    assertThat(cps.production().deploymentsFor(enrolled.id())).hasSize(1);
  }

  @Test
  void aDeploymentDateThatHasPassedDoesNotHoldARenewalBackFromTheSevenDayRule() {
    CertificateProvisioner provisioner = cps.provisioner();
    Instant firstDay = CpsTestkit.START.plus(Duration.ofDays(1));
    Enrollment enrolled = provisioner.enroll(
        Requests.dv("past.example.com").alwaysTestOnStaging(true).deploymentNotBefore(firstDay).build(), "alice");
    issue(provisioner);
    provisioner.acknowledgeStagingTest(ref(provisioner, enrolled), "bob");
    cps.clock().set(firstDay);
    provisioner.runDue();
    Instant expiry = provisioner.enrollment(enrolled.id()).orElseThrow().production().notAfter();

    cps.runFor(Duration.between(cps.clock().instant(), expiry.minus(Duration.ofDays(7))), Duration.ofHours(1));

    Enrollment renewed = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(renewed.history()).hasSize(1);
    assertThat(renewed.production().deployedAt()).isEqualTo(expiry.minus(Duration.ofDays(7)));
    assertThat(renewed.latestChange().orElseThrow().deploymentNotBefore()).isNull();
  }

  /**
   * An update that leaves the certificate as it is still governs the change on its way: a date set
   * holds a staged change back, and switching Always Test on Staging off lets one go.
   */
  @Test
  void anUpdatedDateOrStagingTestReachesTheChangeAlreadyStaged() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment dated = provisioner.enroll(Requests.dv("dated.example.com").alwaysTestOnStaging(true).build(), "alice");
    Enrollment untested = provisioner.enroll(Requests.dv("untested.example.com").alwaysTestOnStaging(true).build(),
        "alice");
    issue(provisioner);
    assertThat(state(provisioner, dated)).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    Instant friday = cps.clock().instant().plus(Duration.ofDays(3));

    provisioner.update(dated.id(), dated.request().toBuilder().deploymentNotBefore(friday).build(),
        UpdateMode.REFUSE_IF_PENDING, "alice");
    provisioner.update(untested.id(), untested.request().toBuilder().alwaysTestOnStaging(false).build(),
        UpdateMode.REFUSE_IF_PENDING, "alice");
    provisioner.acknowledgeStagingTest(ref(provisioner, dated), "bob");
    provisioner.runDue();

    assertThat(provisioner.enrollment(dated.id()).orElseThrow().openChange().orElseThrow().deploymentNotBefore())
        .isEqualTo(friday);
    assertThat(state(provisioner, dated)).isInstanceOf(ChangeState.AwaitingDeploymentDate.class);
    assertThat(cps.production().live(dated.id())).as("deployed before the date").isEmpty();
    assertThat(state(provisioner, untested)).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.production().live(untested.id())).isPresent();

    cps.clock().set(friday);
    provisioner.runDue();
    assertThat(cps.production().live(dated.id())).isPresent();
  }

  /** A live certificate without Always Test on Staging, then ATS switched on and its renewal staged. */
  private Enrollment liveThenStagedRenewal(CertificateProvisioner provisioner, Instant notBefore) {
    Enrollment enrolled = provisioner.enroll(Requests.dv("seven.example.com").build(), "alice");
    issue(provisioner);
    assertThat(cps.production().live(enrolled.id())).isPresent();
    provisioner.update(enrolled.id(),
        enrolled.request().toBuilder().alwaysTestOnStaging(true).deploymentNotBefore(notBefore).build(),
        UpdateMode.REFUSE_IF_PENDING, "alice");
    cps.clock().set(provisioner.enrollment(enrolled.id()).orElseThrow().renewalAt());
    issue(provisioner);
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    return enrolled;
  }

  /** An enrollment not to be deployed before the date, issued and waiting for it. */
  private Enrollment issuedAndHeldUntil(String name, Instant notBefore) {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv(name).deploymentNotBefore(notBefore).build(), "alice");
    issue(provisioner);
    assertThat(state(provisioner, enrolled)).isEqualTo(new ChangeState.AwaitingDeploymentDate(notBefore));
    return enrolled;
  }

  private void issue(CertificateProvisioner provisioner) {
    provisioner.runDue();
    cps.advance(DV_VALIDATION);
  }

  private static ChangeRef ref(CertificateProvisioner provisioner, Enrollment enrolled) {
    return ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow());
  }
}
