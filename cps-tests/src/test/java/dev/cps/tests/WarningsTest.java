package dev.cps.tests;

import static dev.cps.tests.FirstIssuanceTest.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.StaleChangeException;
import dev.cps.UpdateMode;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import dev.cps.testkit.FakeCertificateAuthority.Alteration;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DESIGN step 6: every difference is a post-verification warning a person accepts or denies. */
class WarningsTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  static Stream<Arguments> alterations() {
    return Stream.of(
        Arguments.of(Alteration.DROP_OU, WarningCode.CSR_VS_CERTIFICATE_OU_FIELD_MISMATCH),
        Arguments.of(Alteration.CHANGE_O, WarningCode.CSR_VS_CERTIFICATE_O_FIELD_MISMATCH),
        Arguments.of(Alteration.DROP_SAN, WarningCode.CSR_VS_CERTIFICATE_SAN_MISSING),
        Arguments.of(Alteration.ADD_SAN, WarningCode.CSR_VS_CERTIFICATE_SAN_ADDED),
        Arguments.of(Alteration.SHORT_LIFETIME, WarningCode.CERTIFICATE_EXPIRATION_TOO_SHORT),
        Arguments.of(Alteration.UNSORTED_CHAIN, WarningCode.TRUST_CHAIN_UNSORTED),
        Arguments.of(Alteration.MISSING_INTERMEDIATE, WarningCode.TRUST_CHAIN_INCOMPLETE));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("alterations")
  void eachAlterationIsAWarningThatWaitsForAPerson(Alteration alteration, WarningCode expected) {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().alterNext(alteration);
    Enrollment enrolled = provisioner.enroll(Requests.ov("warn.example.com", "www.warn.example.com").build(), "alice");
    issue(provisioner);

    ChangeState state = state(provisioner, enrolled);
    assertThat(state).isInstanceOf(ChangeState.AwaitingWarningAcceptance.class);
    assertThat(((ChangeState.AwaitingWarningAcceptance) state).warnings()).extracting(Warning::code)
        .containsExactly(expected);
    assertThat(cps.staging().deployments()).isEmpty();

    cps.advance(Duration.ofDays(3));
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingWarningAcceptance.class);
  }

  @Test
  void acceptedWarningsLetTheChangeGoOn() {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().alterNext(Alteration.DROP_OU);
    Enrollment enrolled = provisioner.enroll(Requests.ov("accept.example.com").build(), "alice");
    issue(provisioner);

    provisioner.acceptWarnings(ref(provisioner, enrolled), "bob");
    provisioner.runDue();

    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow().timeline())
        .anySatisfy(entry -> {
          assertThat(entry.what()).contains("warnings accepted").contains("CSR_VS_CERTIFICATE_OU_FIELD_MISMATCH");
          assertThat(entry.who()).isEqualTo("bob");
        });
  }

  @Test
  void deniedWarningsCancelTheChange() {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().alterNext(Alteration.ADD_SAN);
    Enrollment enrolled = provisioner.enroll(Requests.dv("deny.example.com").build(), "alice");
    issue(provisioner);

    provisioner.denyWarnings(ref(provisioner, enrolled), "bob");
    cps.advance(Duration.ofDays(1));

    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Cancelled.class);
    assertThat(cps.staging().deployments()).isEmpty();
    assertThat(cps.production().deployments()).isEmpty();
  }

  @Test
  void aPolicyAcceptsChosenCodesWithoutAsking() {
    cps.configure(b -> b.autoAcceptWarnings(WarningCode.TRUST_CHAIN_UNSORTED));
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().alterNext(Alteration.UNSORTED_CHAIN);
    Enrollment enrolled = provisioner.enroll(Requests.dv("auto.example.com").build(), "alice");
    issue(provisioner);

    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(done.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(done.latestChange().orElseThrow().warnings()).extracting(Warning::code)
        .containsExactly(WarningCode.TRUST_CHAIN_UNSORTED);
    assertThat(done.production().chain().certificates().get(0).getBasicConstraints()).isEqualTo(-1);
  }

  @Test
  void aPolicyDoesNotAcceptOtherCodes() {
    cps.configure(b -> b.autoAcceptWarnings(WarningCode.TRUST_CHAIN_UNSORTED));
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().alterNext(Alteration.UNSORTED_CHAIN, Alteration.DROP_SAN);
    Enrollment enrolled = provisioner.enroll(Requests.dv("mixed.example.com", "www.mixed.example.com").build(),
        "alice");
    issue(provisioner);

    ChangeState state = state(provisioner, enrolled);
    assertThat(state).isInstanceOf(ChangeState.AwaitingWarningAcceptance.class);
    assertThat(((ChangeState.AwaitingWarningAcceptance) state).warnings()).extracting(Warning::code)
        .containsExactly(WarningCode.CSR_VS_CERTIFICATE_SAN_MISSING);
  }

  @Test
  void aCertificateForAnotherKeyFailsTheChange() {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().alterNext(Alteration.WRONG_KEY);
    Enrollment enrolled = provisioner.enroll(Requests.dv("wrongkey.example.com").build(), "alice");
    issue(provisioner);

    ChangeState state = state(provisioner, enrolled);
    assertThat(state).isInstanceOf(ChangeState.Failed.class);
    assertThat(((ChangeState.Failed) state).reason()).contains("public key");
    assertThat(cps.staging().deployments()).isEmpty();
  }

  @Test
  void anEnrollmentChangedSinceSubmissionIsAWarning() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.ov("drift.example.com").build(), "alice");
    provisioner.runDue();
    EnrollmentRequest newContact = enrolled.request().toBuilder()
        .adminContact(new dev.cps.spi.Contact("Eve", "Editor", "eve@example.com", "+49 30 999999")).build();
    provisioner.update(enrolled.id(), newContact, UpdateMode.REFUSE_IF_PENDING, "alice");
    cps.advance(Duration.ofDays(2));

    ChangeState state = state(provisioner, enrolled);
    assertThat(state).isInstanceOf(ChangeState.AwaitingWarningAcceptance.class);
    assertThat(((ChangeState.AwaitingWarningAcceptance) state).warnings()).singleElement()
        .satisfies(w -> {
          assertThat(w.code()).isEqualTo(WarningCode.ENROLLMENT_CHANGED_SINCE_SUBMISSION);
          assertThat(w.detail()).contains("adminContact");
        });
  }

  @Test
  void aStaleAcceptanceIsRefused() {
    CertificateProvisioner provisioner = cps.provisioner();
    cps.ca().alterNext(Alteration.DROP_OU);
    Enrollment enrolled = provisioner.enroll(Requests.ov("stale.example.com").build(), "alice");
    issue(provisioner);
    ChangeRef seen = ref(provisioner, enrolled);
    provisioner.setDeploymentDate(seen, CpsTestkit.START.plus(Duration.ofDays(30)), "carol");

    assertThatThrownBy(() -> provisioner.acceptWarnings(seen, "bob")).isInstanceOf(StaleChangeException.class);
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.AwaitingWarningAcceptance.class);
  }

  private void issue(CertificateProvisioner provisioner) {
    provisioner.runDue();
    cps.advance(Duration.ofDays(2));
  }

  private static ChangeRef ref(CertificateProvisioner provisioner, Enrollment enrolled) {
    return ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow());
  }
}
