package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.RecordingChallengeSolver;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A CA offers several challenge types per name: one per name is answered, once. */
class ChallengeAlternativesTest {
  private final RecordingChallengeSolver dnsSolver = new RecordingChallengeSolver(ChallengeType.DNS_01);

  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @Test
  void aSolverAnswersEachNameWithTheTypeItHandlesOnce() {
    cps.configure(b -> b.challengeSolver(dnsSolver));
    cps.ca().requireChallenges(ChallengeType.HTTP_01, ChallengeType.DNS_01, ChallengeType.TLS_ALPN_01);
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("example.com", "*.example.com", "www.example.com").build(),
        "alice");

    provisioner.runDue();
    cps.advance(Duration.ofMinutes(1));
    cps.advance(Duration.ofMinutes(1));

    assertThat(dnsSolver.presented()).hasSize(3).extracting(Challenge::type).containsOnly(ChallengeType.DNS_01);
    assertThat(dnsSolver.presented()).extracting(Challenge::authorization).doesNotHaveDuplicates();
    assertThat(dnsSolver.published()).as("cleaned up after issuance").isEmpty();
    assertThat(cps.events()).noneMatch(ProvisioningEvent.InputNeeded.class::isInstance);
    assertThat(FirstIssuanceTest.state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
  }

  @Test
  void aPersonIsShownOneChallengePerNameTheEasiestTheCaOffers() {
    cps.ca().requireChallenges(ChallengeType.TLS_ALPN_01, ChallengeType.DNS_01, ChallengeType.HTTP_01);
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("example.org", "*.example.org").build(), "alice");

    provisioner.runDue();

    ChangeState state = FirstIssuanceTest.state(provisioner, enrolled);
    assertThat(state).isInstanceOf(ChangeState.AwaitingChallenges.class);
    assertThat(((ChangeState.AwaitingChallenges) state).challenges())
        .extracting(Challenge::type)
        .as("HTTP-01 for the name, DNS-01 for the wildcard (the only type offered for it)")
        .containsExactly(ChallengeType.HTTP_01, ChallengeType.DNS_01);

    provisioner.challengesInPlace(ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow()), "bob");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));

    assertThat(FirstIssuanceTest.state(provisioner, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.events()).filteredOn(ProvisioningEvent.InputNeeded.class::isInstance).hasSize(1);
  }
}
