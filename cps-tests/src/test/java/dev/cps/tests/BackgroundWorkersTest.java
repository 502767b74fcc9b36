package dev.cps.tests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The background scheduler with several workers hands each idle worker the next due enrollment:
 * a slow enrollment holds back no other.
 */
class BackgroundWorkersTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create().workers(4);

  @Test
  void manyEnrollmentsReachProductionEachStepOnce() throws Exception {
    cps.ca().validationTime(ValidationType.DV, Duration.ZERO);
    CertificateProvisioner provisioner = cps.provisioner();
    provisioner.start();
    List<CompletableFuture<DeployedCertificate>> live = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Enrollment enrolled = provisioner.enroll(Requests.dv("host-" + i + ".example.com").build(), "alice");
      live.add(provisioner.awaitProduction(enrolled.id(), enrolled.openChange().orElseThrow().id()));
    }
    CompletableFuture.allOf(live.toArray(CompletableFuture[]::new)).get(30, SECONDS);

    assertThat(cps.ca().submitCount()).isEqualTo(60);
    assertThat(cps.staging().deployments()).hasSize(60);
    assertThat(cps.production().deployments()).hasSize(60);
  }

  @Test
  void anEnrollmentStuckInADeploymentHoldsBackNoOther() throws Exception {
    cps.ca().validationTime(ValidationType.DV, Duration.ZERO);
    MutableClock clock = cps.clock();
    RecordingNetwork production = new RecordingNetwork("production");
    StuckNetwork slowForOne = new StuckNetwork(production, "slow.example.com");
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(clock).workers(4)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(cps.ca()).productionNetwork(slowForOne).build()) {
      provisioner.start();
      Enrollment slow = provisioner.enroll(Requests.dv("slow.example.com").build(), "alice");
      assertThat(slowForOne.awaitStuck(10)).as("the slow deployment started").isTrue();

      List<CompletableFuture<DeployedCertificate>> fast = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Enrollment enrolled = provisioner.enroll(Requests.dv("fast-" + i + ".example.com").build(), "alice");
        fast.add(provisioner.awaitProduction(enrolled.id(), enrolled.openChange().orElseThrow().id()));
      }
      CompletableFuture.allOf(fast.toArray(CompletableFuture[]::new)).get(30, SECONDS);
      assertThat(provisioner.enrollment(slow.id()).orElseThrow().latestChange().orElseThrow().state())
          .isInstanceOf(ChangeState.ReadyForProduction.class);

      slowForOne.letGo();
      provisioner.awaitProduction(slow.id(), slow.openChange().orElseThrow().id()).get(30, SECONDS);
    } finally {
      slowForOne.letGo();
    }
  }
}
