package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeOrder;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A provisioner process is killed with SIGKILL at random points of the workflow, again and again,
 * and a new one resumes each time, 50 times per store; the CA and the networks live in this JVM and
 * count what was ordered and deployed. In the end every enrollment is in production with a certificate ordered
 * once, its key is there and fits, and the database passes its own integrity check.
 */
class CrashSafetyTest {
  static final int ENROLLMENTS = 100;
  /** The kills per store the issue asks for at least. */
  static final int SQLITE_KILLS = 50;
  static final int POSTGRESQL_KILLS = 50;
  /**
   * A process is killed once the CA and the networks have taken 0 to this many more requests from
   * it (an order, a poll, a deployment: the workflow takes about five per enrollment), so the kills
   * land at random steps, at the process's start among them, and leave work for the next.
   */
  static final int KILL_AFTER_REQUESTS = 16;
  /**
   * The shortest lease the builder allows. A new process waits for the leases of the one killed
   * before it to run out.
   */
  static final String LEASE_MILLIS = "1000";

  @TempDir
  Path directory;

  @ParameterizedTest
  @EnumSource(Databases.class)
  void killedProvisionersLoseNothingAndOrderNothingTwice(Databases kind) throws Exception {
    String url = kind.newUrl(directory);
    int kills = kind == Databases.SQLITE ? SQLITE_KILLS : POSTGRESQL_KILLS;
    SplittableRandom random = new SplittableRandom(20260302L);
    Path log = directory.resolve("children.log");
    try (CaServer server = new CaServer();
        JdbcStores stores = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.first()).build()) {
      enroll(stores, server, ENROLLMENTS);
      Set<String> statesAtKills = new HashSet<>();
      int killsWithWorkOpen = 0;
      // The next process boots while the current one works, and opens the stores only after the kill.
      ChildJvm next = ChildJvm.start(log, url, server.url(), "node-1", LEASE_MILLIS);
      for (int kill = 1; kill <= kills; kill++) {
        ChildJvm child = next;
        child.go();
        next = ChildJvm.start(log, url, server.url(), "node-" + (kill + 1), LEASE_MILLIS);
        long killAt = server.requests() + random.nextInt(0, KILL_AFTER_REQUESTS);
        await().alias("the child's next requests").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
            .until(() -> server.requests() >= killAt || allInProduction(server));
        child.kill();
        Map<String, Integer> open = openStates(stores);
        statesAtKills.addAll(open.keySet());
        killsWithWorkOpen += open.isEmpty() ? 0 : 1;
      }
      Map<String, Integer> afterKills = openStates(stores);
      try (ChildJvm last = next) {
        last.go();
        awaitAllCompleted(stores, Duration.ofSeconds(120), log);
      }

      System.out.printf("%s: %d kills, %d with work open; open states seen at kills %s; left open after the kills"
          + " %s%n", kind, kills, killsWithWorkOpen, statesAtKills, afterKills);
      assertThat(statesAtKills).as("open states the kills found").hasSizeGreaterThanOrEqualTo(3);
      assertThat(killsWithWorkOpen).as("kills that found work open").isGreaterThanOrEqualTo(kills / 2);
      List<Enrollment> all = stores.enrollments().list();
      assertThat(all).hasSize(ENROLLMENTS);
      List<FakeOrder> orders = server.ca.orders();
      assertThat(orders).as("orders at the CA").hasSize(ENROLLMENTS);
      assertThat(orders.stream().map(FakeOrder::requestId).collect(Collectors.toSet())).hasSize(ENROLLMENTS);
      assertThat(server.ca.issuedCount()).as("certificates issued").isEqualTo(ENROLLMENTS);
      for (Enrollment enrollment : all) {
        assertThat(enrollment.changes()).as("changes of %s", enrollment.id()).hasSize(1);
        assertThat(enrollment.changes().get(0).state().name()).isEqualTo("Completed");
        assertThat(enrollment.production()).as("production of %s", enrollment.id()).isNotNull();
        assertThat(server.live("production", enrollment.id())).isEqualTo(enrollment.production().chain());
        assertKeyFits(stores.keys().privateKey(enrollment.production().key()), enrollment);
      }
      assertThat(server.deployments()).allSatisfy(d -> assertThat(d.keyMatches()).as("key of %s", d).isTrue());
      assertThat(integrityCheck(stores)).isEqualTo("ok");
    }
  }

  static void enroll(JdbcStores stores, CaServer server, int count) {
    RemoteCa ca = new RemoteCa(server.url(), "test");
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .enrollmentStore(stores.enrollments())
        .keyStore(stores.keys())
        .certificateAuthority(ca)
        .productionNetwork(ca.network("production"))
        .build()) {
      for (int i = 0; i < count; i++) {
        String host = String.format("host-%04d.crash.example", i);
        provisioner.enroll(EnrollmentRequest.builder().commonName(host).addSubjectAlternativeName("www." + host)
            .validationType(ValidationType.DV).build(), "test");
      }
    }
  }

  /** How many enrollments stand in each state other than Completed, from the indexed column. */
  private static boolean allInProduction(CaServer server) {
    return server.deployments().stream().filter(d -> d.network().equals("production")).map(d -> d.enrollment())
        .distinct().count() >= ENROLLMENTS;
  }

  static Map<String, Integer> openStates(JdbcStores stores) {
    return Databases.sql(stores, connection -> {
      Map<String, Integer> states = new TreeMap<>();
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT state, COUNT(*) FROM cps_enrollment WHERE state <> 'Completed' GROUP BY state");
          ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          states.put(rows.getString(1), rows.getInt(2));
        }
      }
      return states;
    });
  }

  static void awaitAllCompleted(JdbcStores stores, Duration timeout, Path log) {
    await().alias("every enrollment completed; see " + log).atMost(timeout).pollInterval(Duration.ofMillis(200))
        .until(() -> openStates(stores), Map::isEmpty);
  }

  static void assertKeyFits(PrivateKey key, Enrollment enrollment) throws Exception {
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(enrollment.id().value().getBytes());
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(enrollment.production().chain().leaf().getPublicKey());
    verifier.update(enrollment.id().value().getBytes());
    assertThat(verifier.verify(signature)).as("the stored key of %s fits its certificate", enrollment.id()).isTrue();
  }

  /** SQLite's own check of the file; for PostgreSQL, that every table reads through its indexes. */
  static String integrityCheck(JdbcStores stores) {
    return Databases.sql(stores, connection -> {
      if (stores.database().dialect == Dialect.SQLITE) {
        StringBuilder result = new StringBuilder();
        try (PreparedStatement statement = connection.prepareStatement("PRAGMA integrity_check");
            ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            result.append(rows.getString(1));
          }
        }
        try (PreparedStatement statement = connection.prepareStatement("PRAGMA foreign_key_check");
            ResultSet rows = statement.executeQuery()) {
          if (rows.next()) {
            result.append("; foreign key broken in ").append(rows.getString(1));
          }
        }
        return result.toString();
      }
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT (SELECT COUNT(*) FROM cps_enrollment WHERE next_action_at IS NOT NULL)"
              + " = (SELECT COUNT(*) FROM cps_enrollment WHERE next_action_at >= -9223372036854775807)"
              + " AND NOT EXISTS (SELECT 1 FROM cps_private_key k LEFT JOIN cps_key_encryption_key e"
              + " ON k.kek_id = e.id WHERE e.id IS NULL)");
          ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getBoolean(1) ? "ok" : "inconsistent";
      }
    });
  }
}
