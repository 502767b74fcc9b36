package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Provisioners sharing one store split due work by leases: each step runs once, a dead node's work is taken over. */
class LeasesTest {
  private static final Duration LEASE = Duration.ofMinutes(5);

  private final MutableClock clock = MutableClock.at(CpsTestkit.START);
  private final InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
  private final InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
  private final FakeCertificateAuthority ca = FakeCertificateAuthority.builder().id("fake").clock(clock).build();
  private final RecordingNetwork staging = new RecordingNetwork("staging");
  private final RecordingNetwork production = new RecordingNetwork("production");
  private final List<CertificateProvisioner> provisioners = new ArrayList<>();

  private CertificateProvisioner node(String id) {
    CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(clock).workers(2).nodeId(id)
        .leaseDuration(LEASE).enrollmentStore(store).keyStore(keys).certificateAuthority(ca)
        .stagingNetwork(staging).productionNetwork(production).build();
    provisioners.add(provisioner);
    return provisioner;
  }

  @AfterEach
  void close() {
    provisioners.forEach(CertificateProvisioner::close);
  }

  @Test
  void threeNodesRunningAtOnceDoEachStepOnce() {
    List<CertificateProvisioner> nodes = List.of(node("node-a"), node("node-b"), node("node-c"));
    int count = 150;
    for (int i = 0; i < count; i++) {
      nodes.get(i % 3).enroll(Requests.dv(String.format("host-%03d.example.com", i)).build(), "alice");
    }
    for (int round = 0; round < 3; round++) {
      CompletableFuture.allOf(nodes.stream()
          .map(node -> CompletableFuture.runAsync(node::runDue)).toArray(CompletableFuture[]::new)).join();
      clock.advance(Duration.ofMinutes(2));
    }

    assertThat(store.list()).hasSize(count).allSatisfy(e ->
        assertThat(e.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class));
    assertThat(ca.submitCount()).as("orders submitted").isEqualTo(count);
    assertThat(ca.issuedCount()).isEqualTo(count);
    assertThat(staging.deployments()).as("staging deployments").hasSize(count);
    assertThat(production.deployments()).as("production deployments").hasSize(count);
  }

  @Test
  void aDeadNodesLeaseHoldsItsWorkUntilItExpires() {
    CertificateProvisioner survivor = node("survivor");
    Enrollment enrolled = survivor.enroll(Requests.dv("orphan.example.com").build(), "alice");
    List<EnrollmentId> taken = store.claim(clock.instant(), 10, "dead-node", LEASE);
    assertThat(taken).containsExactly(enrolled.id());

    assertThat(survivor.runDue()).isZero();
    clock.advance(LEASE.minusSeconds(1));
    assertThat(survivor.runDue()).isZero();
    assertThat(store.find(enrolled.id()).orElseThrow().openChange().orElseThrow().state())
        .isInstanceOf(ChangeState.KeyPending.class);

    clock.advance(Duration.ofSeconds(1));
    assertThat(survivor.runDue()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(2));
    survivor.runDue();
    assertThat(store.find(enrolled.id()).orElseThrow().latestChange().orElseThrow().state())
        .isInstanceOf(ChangeState.Completed.class);
  }

  @Test
  void aNodeReleasesWhatItWorkedOn() {
    CertificateProvisioner a = node("node-a");
    Enrollment enrolled = a.enroll(Requests.dv("released.example.com").build(), "alice");
    a.runDue();
    clock.advance(Duration.ofMinutes(2));
    assertThat(store.claim(clock.instant(), 10, "node-b", LEASE)).containsExactly(enrolled.id());
  }
}
