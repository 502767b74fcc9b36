package dev.cps.tests;

import static dev.cps.tests.FirstIssuanceTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.ChangeRef;
import dev.cps.CertificateProvisioner;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Enrollment;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A CA that restarted empty loses our orders: the change orders again with its key and CSR. */
class LostOrderTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @Test
  void anOrderLostDuringValidationIsPlacedAgainAndIssuedOnce() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("lost.example.com").build(), "alice");
    provisioner.runDue();
    Change validating = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(validating.state()).isInstanceOf(ChangeState.Validating.class);

    cps.ca().forgetOrders();
    cps.advance(Duration.ofMinutes(2));
    Change reordered = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(reordered.state()).isInstanceOf(ChangeState.Validating.class);
    assertThat(reordered.order()).isNotEqualTo(validating.order());
    cps.advance(Duration.ofMinutes(2));

    Change done = provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow();
    assertThat(done.state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(done.key()).isEqualTo(validating.key());
    assertThat(done.csr()).isEqualTo(validating.csr());
    assertThat(done.order()).isNotEqualTo(validating.order());
    assertThat(cps.ca().orders()).hasSize(2);
    assertThat(cps.ca().issuedCount()).isEqualTo(1);
    assertThat(done.timeline()).anySatisfy(e -> assertThat(e.what()).contains("order lost").contains("ordering again"));
    assertThat(cps.events()).filteredOn(ProvisioningEvent.RetryScheduled.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((ProvisioningEvent.RetryScheduled) e).error()).contains("forgot"));
  }

  @Test
  void anOrderLostWhilePersonPlacesChallengesIsPlacedAgainWithNewChallenges() {
    cps.ca().requireChallenges(ChallengeType.HTTP_01);
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("manual.example.com").build(), "alice");
    provisioner.runDue();
    Change asked = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(asked.state()).isInstanceOf(ChangeState.AwaitingChallenges.class);

    cps.ca().forgetOrders();
    provisioner.challengesInPlace(ChangeRef.of(enrolled.id(), asked), "bob");
    provisioner.runDue();

    Change again = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(again.state()).isInstanceOf(ChangeState.AwaitingChallenges.class);
    assertThat(again.order()).isNotEqualTo(asked.order());
    assertThat(((ChangeState.AwaitingChallenges) again.state()).challenges())
        .noneMatch(c -> ((ChangeState.AwaitingChallenges) asked.state()).challenges().contains(c));

    provisioner.challengesInPlace(ChangeRef.of(enrolled.id(), again), "bob");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.ca().issuedCount()).isEqualTo(1);
  }

  @Test
  void aCaThatKeepsLosingOrdersEndsTheChange() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("amnesiac.example.com").build(), "alice");
    provisioner.runDue();
    for (int i = 0; i < 40 && !state(provisioner, enrolled).terminal(); i++) {
      cps.ca().forgetOrders();
      cps.advance(Duration.ofMinutes(2));
    }
    assertThat(state(provisioner, enrolled)).isInstanceOfSatisfying(ChangeState.Failed.class,
        failed -> assertThat(failed.reason()).contains("gave up after 30 lost orders"));
    assertThat(cps.ca().issuedCount()).isZero();
  }
}
