package dev.cps.tests;

import static dev.cps.tests.FirstIssuanceTest.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.ChangeClosedException;
import dev.cps.ChangePendingException;
import dev.cps.ChangeRef;
import dev.cps.CertificateProvisioner;
import dev.cps.InputNotExpectedException;
import dev.cps.UpdateMode;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.testkit.FakeOrder;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Updating an enrollment starts a new change; a pending change refuses it unless cancelled. */
class UpdateAndCancelTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  /** No mode would have meant cancelling the pending change: the caller must say which. */
  @Test
  void anUpdateWithoutAModeIsRefusedAndChangesNothing() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("no-mode.example.com").build(), "alice");

    assertThatThrownBy(() -> provisioner.update(enrolled.id(),
        enrolled.request().toBuilder().addSubjectAlternativeName("more.no-mode.example.com").build(), null, "alice"))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("mode");
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow()).isEqualTo(enrolled);
  }

  @Test
  void addingASanToALiveEnrollmentStartsAnUpdateChange() throws Exception {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("update.example.com").build(), "alice");
    live(provisioner);

    EnrollmentRequest withSan = enrolled.request().toBuilder().addSubjectAlternativeName("api.update.example.com").build();
    Enrollment updated = provisioner.update(enrolled.id(), withSan, UpdateMode.REFUSE_IF_PENDING, "alice");
    assertThat(updated.openChange()).get().extracting(Change::reason).isEqualTo(ChangeReason.UPDATE);
    live(provisioner);

    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(done.request()).isEqualTo(withSan);
    assertThat(done.production().chain().leaf().getSubjectAlternativeNames()).extracting(n -> (Object) n.get(1))
        .contains("api.update.example.com");
    assertThat(done.history()).hasSize(1);
  }

  @Test
  void anUpdateWhileAChangeIsPendingIsRefusedAndStoresNothing() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("pending.example.com").build(), "alice");
    provisioner.runDue();
    Enrollment before = provisioner.enrollment(enrolled.id()).orElseThrow();

    EnrollmentRequest withSan = enrolled.request().toBuilder().addSubjectAlternativeName("www.pending.example.com")
        .build();
    assertThatThrownBy(() -> provisioner.update(enrolled.id(), withSan, UpdateMode.REFUSE_IF_PENDING, "alice"))
        .isInstanceOf(ChangePendingException.class)
        .hasMessageContaining(before.openChange().orElseThrow().id().value());

    assertThat(provisioner.enrollment(enrolled.id())).contains(before);
  }

  @Test
  void anUpdateThatCancelsThePendingChangeWithdrawsItsOrder() throws Exception {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("replace.example.com").build(), "alice");
    provisioner.runDue();
    Change pending = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    CompletableFuture<DeployedCertificate> pendingLive = provisioner.awaitProduction(enrolled.id(), pending.id());

    EnrollmentRequest withSan = enrolled.request().toBuilder().addSubjectAlternativeName("www.replace.example.com")
        .build();
    provisioner.update(enrolled.id(), withSan, UpdateMode.CANCEL_PENDING, "alice");
    live(provisioner);

    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(done.change(pending.id()).orElseThrow().state()).isInstanceOf(ChangeState.Cancelled.class);
    assertThat(cps.ca().order(pending.order())).extracting(FakeOrder::cancelled).isEqualTo(true);
    assertThat(done.production().chain().leaf().getSubjectAlternativeNames()).hasSize(2);
    assertThat(pendingLive).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ChangeClosedException.class);
  }

  @Test
  void anUpdateThatDoesNotChangeTheCertificateStartsNoChange() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.ov("contacts.example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(Duration.ofDays(2));

    EnrollmentRequest newContact = enrolled.request().toBuilder().techContact(Requests.ADMIN).build();
    Enrollment updated = provisioner.update(enrolled.id(), newContact, UpdateMode.REFUSE_IF_PENDING, "alice");

    assertThat(updated.request()).isEqualTo(newContact);
    assertThat(updated.changes()).hasSize(1);
    assertThat(updated.openChange()).isEmpty();
  }

  @Test
  void aPendingChangeCanBeCancelled() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("cancel.example.com").build(), "alice");
    provisioner.runDue();

    Change cancelled = provisioner.cancel(ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow()),
        "bob");
    cps.advance(Duration.ofDays(1));

    assertThat(cancelled.state()).isEqualTo(new ChangeState.Cancelled("cancelled by bob"));
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Cancelled.class);
    assertThat(cps.ca().orders()).singleElement().extracting(FakeOrder::cancelled).isEqualTo(true);
    assertThat(cps.staging().deployments()).isEmpty();
    assertThat(cps.ca().issuedCount()).isZero();
    assertThatThrownBy(() -> provisioner.cancel(ChangeRef.of(enrolled.id(), cancelled), "bob"))
        .isInstanceOf(InputNotExpectedException.class);
  }

  @Test
  void renewNowIsRefusedWhileAChangeIsPending() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("busy.example.com").build(), "alice");

    assertThatThrownBy(() -> provisioner.renewNow(enrolled.id(), "alice")).isInstanceOf(ChangePendingException.class);
  }

  private void live(CertificateProvisioner provisioner) {
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));
  }
}
