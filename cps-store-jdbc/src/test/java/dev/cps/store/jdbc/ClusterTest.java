package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentLeasedException;
import dev.cps.testkit.FakeOrder;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three provisioner processes share one PostgreSQL database and 1,000 enrollments; one is killed
 * with SIGKILL mid-run while it holds leases, and the other two finish its work once its leases
 * (2 s) run out. The CA, in this JVM, issues exactly one certificate per enrollment. And a live
 * node's lease on a deployment that hangs for longer than a lease is renewed, not taken over, and
 * keeps a person's input off the enrollment.
 */
class ClusterTest {
  static final int ENROLLMENTS = 1_000;
  static final String LEASE_MILLIS = "2000";

  @TempDir
  Path directory;

  @Test
  void threeProvisionersShareTheWorkAndTwoFinishWhatTheKilledOneHeld() throws Exception {
    String url = Databases.POSTGRESQL.newUrl(directory);
    Path log = directory.resolve("nodes.log");
    try (CaServer server = new CaServer();
        JdbcStores stores = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.first()).build()) {
      CrashSafetyTest.enroll(stores, server, ENROLLMENTS);
      List<ChildJvm> nodes = new ArrayList<>();
      Set<EnrollmentId> heldByTheDead;
      try {
        for (int i = 0; i < 3; i++) {
          nodes.add(ChildJvm.startLongLived(log, url, server.url(), "node-" + i, LEASE_MILLIS));
        }
        for (ChildJvm node : nodes) {
          node.go();
        }
        heldByTheDead = killWhileHoldingLeases(nodes.get(0), stores, server, log);
        CrashSafetyTest.awaitAllCompleted(stores, Duration.ofSeconds(150), log);
      } finally {
        for (ChildJvm node : nodes) {
          node.close();
        }
      }

      assertThat(heldByTheDead).as("enrollments node-0 held when it was killed").isNotEmpty();
      List<FakeOrder> orders = server.ca.orders();
      assertThat(orders).as("orders").hasSize(ENROLLMENTS);
      assertThat(orders.stream().map(FakeOrder::requestId).collect(Collectors.toSet())).hasSize(ENROLLMENTS);
      assertThat(server.ca.issuedCount()).as("certificates issued").isEqualTo(ENROLLMENTS);
      List<Enrollment> all = stores.enrollments().list();
      assertThat(all).hasSize(ENROLLMENTS);
      for (Enrollment enrollment : all) {
        assertThat(enrollment.changes()).as("changes of %s", enrollment.id()).hasSize(1);
        assertThat(enrollment.production()).as("production of %s", enrollment.id()).isNotNull();
        assertThat(server.live("production", enrollment.id())).as("live on production for %s", enrollment.id())
            .isEqualTo(enrollment.production().chain());
      }
      Map<String, Long> deployedBy = server.deployments().stream().filter(d -> d.network().equals("production"))
          .collect(Collectors.groupingBy(CaServer.Deployed::node, TreeMap::new, Collectors.counting()));
      Map<EnrollmentId, Long> deployed = productionDeployments(server);
      Set<EnrollmentId> deployedTwice = deployed.entrySet().stream().filter(e -> e.getValue() > 1)
          .map(Map.Entry::getKey).collect(Collectors.toSet());
      System.out.printf("cluster: %d enrollments, %d certificates issued, production deployments by node %s"
          + " (%d in all); node-0 was killed holding %d leases; %d enrollments deployed more than once%n", ENROLLMENTS,
          server.ca.issuedCount(), deployedBy, deployedBy.values().stream().mapToLong(Long::longValue).sum(),
          heldByTheDead.size(), deployedTwice.size());
      assertThat(deployed).hasSize(ENROLLMENTS);
      // Each enrollment is deployed once, but for those node-0 held when it was killed: it may have
      // deployed one before it could record so, and the node that took over deploys it again. A
      // live node never steps work whose lease may have run out (a slow wave once did).
      assertThat(deployed.values()).as("production deployments of an enrollment").allSatisfy(
          times -> assertThat(times).isBetween(1L, 2L));
      assertThat(deployedTwice).as("enrollments deployed twice").isSubsetOf(heldByTheDead);
      assertThat(deployedBy).as("production deployments by node").containsKeys("node-1", "node-2");
      assertThat(server.deployments()).allSatisfy(d -> assertThat(d.keyMatches()).isTrue());
    }
  }

  /**
   * Two provisioner processes with 2 s leases; one enrollment's production deployment hangs for
   * three leases. The node deploying it renews its lease meanwhile, so the other never takes the
   * enrollment over and deploys it again: one deployment request for it reaches the network. A
   * person's input through a provisioner in this JVM is refused meanwhile (stored, it would have won
   * over the deployment's write), and taken once the nodes are done.
   */
  @Test
  void aDeploymentLongerThanALeaseIsNeitherTakenOverNorOverwrittenByAnInputWhileItsNodeLives() throws Exception {
    String url = Databases.POSTGRESQL.newUrl(directory);
    Path log = directory.resolve("nodes.log");
    int count = 20;
    Duration lease = Duration.ofMillis(Long.parseLong(LEASE_MILLIS));
    try (CaServer server = new CaServer();
        JdbcStores stores = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.first()).build()) {
      CrashSafetyTest.enroll(stores, server, count);
      EnrollmentId hung = stores.enrollments().list().stream()
          .filter(e -> e.request().commonName().startsWith("host-0007.")).findFirst().orElseThrow().id();
      server.holdFirstProductionDeployment("host-0007.");
      List<ChildJvm> nodes = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          nodes.add(ChildJvm.startLongLived(log, url, server.url(), "node-" + i, LEASE_MILLIS));
        }
        for (ChildJvm node : nodes) {
          node.go();
        }
        await().alias("the held deployment reached the network; see " + log).atMost(Duration.ofSeconds(60))
            .until(() -> server.deploymentAttempts("production", hung) == 1);
        Enrollment deploying = stores.enrollments().find(hung).orElseThrow();
        try (CertificateProvisioner person = personOn(stores, server, lease)) {
          assertThatThrownBy(() -> person.cancel(ChangeRef.ofOpenChange(deploying), "bob"))
              .isInstanceOfSatisfying(EnrollmentLeasedException.class, e -> assertThat(e.owner()).startsWith("node-"));
        }
        assertThat(stores.enrollments().find(hung).orElseThrow().version()).as("version after the refused input")
            .isEqualTo(deploying.version());
        await().alias("no second deployment while the first is held for three leases")
            .during(lease.multipliedBy(3)).atMost(lease.multipliedBy(4))
            .until(() -> server.deploymentAttempts("production", hung) == 1);
        server.letGo();
        CrashSafetyTest.awaitAllCompleted(stores, Duration.ofSeconds(60), log);
      } finally {
        for (ChildJvm node : nodes) {
          node.close();
        }
      }

      assertThat(server.deploymentAttempts("production", hung)).as("production deployments of the held one")
          .isEqualTo(1);
      Map<EnrollmentId, Long> deployed = productionDeployments(server);
      assertThat(deployed).hasSize(count).allSatisfy((id, times) -> assertThat(times).as("deployments of %s", id)
          .isEqualTo(1));
      assertThat(server.ca.issuedCount()).isEqualTo(count);
      try (CertificateProvisioner person = personOn(stores, server, lease)) {
        // A node stopped right after its last write may have left a lease to run out.
        Change renewal = await().atMost(lease.multipliedBy(3)).ignoreException(EnrollmentLeasedException.class)
            .until(() -> person.renewNow(hung, "bob"), java.util.Objects::nonNull);
        assertThat(renewal.state()).isInstanceOf(ChangeState.KeyPending.class);
      }
    }
  }

  /** A provisioner in this JVM that only takes people's inputs, as an admin service would. */
  private static CertificateProvisioner personOn(JdbcStores stores, CaServer server, Duration lease) {
    RemoteCa ca = new RemoteCa(server.url(), "person");
    return CertificateProvisioner.builder().enrollmentStore(stores.enrollments()).keyStore(stores.keys())
        .certificateAuthority(ca).productionNetwork(ca.network("production")).nodeId("person").leaseDuration(lease)
        .build();
  }

  /** How often each enrollment was deployed to production. */
  private static Map<EnrollmentId, Long> productionDeployments(CaServer server) {
    return server.deployments().stream().filter(d -> d.network().equals("production"))
        .collect(Collectors.groupingBy(CaServer.Deployed::enrollment, Collectors.counting()));
  }

  /**
   * Once a quarter of the orders are placed, kills the node at a moment it holds leases; returns
   * what it held then or, read again once it is dead, what it had claimed since.
   */
  private static Set<EnrollmentId> killWhileHoldingLeases(ChildJvm node, JdbcStores stores, CaServer server,
      Path log) throws InterruptedException {
    AtomicReference<List<EnrollmentId>> held = new AtomicReference<>(List.of());
    await().alias("node-0 holding a lease after a quarter of the orders; see " + log)
        .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
        .until(() -> server.ca.orders().size() >= ENROLLMENTS / 4
            && !held.updateAndGet(ignored -> leasedTo(stores, "node-0")).isEmpty());
    node.kill();
    Set<EnrollmentId> heldAtDeath = new HashSet<>(held.get());
    heldAtDeath.addAll(leasedTo(stores, "node-0"));
    return heldAtDeath;
  }

  private static List<EnrollmentId> leasedTo(JdbcStores stores, String owner) {
    long now = Micros.down(java.time.Instant.now());
    return Databases.sql(stores, connection -> {
      List<EnrollmentId> held = new ArrayList<>();
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT id FROM cps_enrollment WHERE lease_owner = ? AND lease_until > ?")) {
        statement.setString(1, owner);
        statement.setLong(2, now);
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            held.add(EnrollmentId.of(rows.getString(1)));
          }
        }
      }
      return held;
    });
  }
}
