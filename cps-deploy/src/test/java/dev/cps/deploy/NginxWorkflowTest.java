package dev.cps.deploy;

import static dev.cps.deploy.StagingAndProduction.awaitServing;
import static dev.cps.deploy.StagingAndProduction.served;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.ProvisionerBuilder;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.ProbeResult;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.junit.CpsTestkit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole workflow on the fake CA with a real nginx for staging and one for production, each
 * reading certificates from its file-system network.
 */
class NginxWorkflowTest {
  private static final List<String> NAMES = List.of("shop.example.com", "www.shop.example.com");

  @TempDir
  Path directory;

  private final MutableClock clock = MutableClock.at(CpsTestkit.START);
  private final FakeCertificateAuthority ca = FakeCertificateAuthority.builder().clock(clock).build();
  private final TlsClient client = new TlsClient(ca.rootCertificate(), clock);
  private final List<ProvisioningEvent> events = Collections.synchronizedList(new ArrayList<>());
  private StagingAndProduction servers;
  private CertificateProvisioner provisioner;

  @AfterEach
  void stop() {
    if (provisioner != null) {
      provisioner.close();
    }
    if (servers != null) {
      servers.close();
    }
  }

  @Test
  void withAlwaysTestOnStagingARenewalIsServedOnStagingFirstAndOnProductionAfterTheAcknowledgement()
      throws Exception {
    EnrollmentId id = enrollAndStart(true);

    Change first = runUntil(id, c -> c.state() instanceof ChangeState.AwaitingStagingTest);
    CertificateChain old = Objects.requireNonNull(first.certificate());
    awaitServing(servers.staging, client, old, NAMES);
    provisioner.acknowledgeStagingTest(ChangeRef.of(id, first), "alice");
    runUntil(id, c -> c.state() instanceof ChangeState.Completed);
    awaitServing(servers.production, client, old, NAMES);

    clock.set(Objects.requireNonNull(enrollment(id).renewalAt()));
    Change renewal = runUntil(id, c -> c.state() instanceof ChangeState.AwaitingStagingTest);
    CertificateChain renewed = Objects.requireNonNull(renewal.certificate());
    assertThat(renewed.fingerprint()).isNotEqualTo(old.fingerprint());

    awaitServing(servers.staging, client, renewed, NAMES);
    for (String name : NAMES) {
      assertThat(served(servers.production, client, name)).as("production before the acknowledgement, " + name)
          .isEqualTo(old.leaf());
    }
    assertThat(servers.productionNetwork.live(id)).contains(old);

    provisioner.acknowledgeStagingTest(ChangeRef.of(id, renewal), "alice");
    runUntil(id, c -> c.state() instanceof ChangeState.Completed);
    awaitServing(servers.production, client, renewed, NAMES);
    assertThat(servers.productionNetwork.live(id)).contains(renewed);
    assertThat(enrollment(id).production().chain()).isEqualTo(renewed);
  }

  @Test
  void aFailedReloadLeavesTheOldCertificateLiveAndTheChangeCompletesOnceTheConfigurationIsFixed()
      throws Exception {
    EnrollmentId id = enrollAndStart(false);
    Change first = runUntil(id, c -> c.state() instanceof ChangeState.Completed);
    CertificateChain old = Objects.requireNonNull(first.certificate());
    awaitServing(servers.production, client, old, NAMES);

    servers.production.breakConfiguration();
    clock.set(Objects.requireNonNull(enrollment(id).renewalAt()));
    Change failing = runUntil(id, c -> c.attempts() > 0);

    assertThat(failing.state()).isInstanceOf(ChangeState.ReadyForProduction.class);
    assertThat(failing.lastError()).contains("DeploymentException", "reload", "switched back to v000002",
        "this_is_not_an_nginx_directive");
    assertThat(events).filteredOn(ProvisioningEvent.RetryScheduled.class::isInstance)
        .singleElement().satisfies(e -> assertThat(((ProvisioningEvent.RetryScheduled) e).error()).contains("reload"));
    CertificateChain renewed = Objects.requireNonNull(failing.certificate());
    awaitServing(servers.staging, client, renewed, NAMES);
    for (String name : NAMES) {
      assertThat(served(servers.production, client, name)).as("production after the failed reload, " + name)
          .isEqualTo(old.leaf());
    }
    assertThat(servers.productionNetwork.live(id)).contains(old);

    servers.production.repairConfiguration();
    Change done = runUntil(id, c -> c.state() instanceof ChangeState.Completed);
    assertThat(done.attempts()).isZero();
    awaitServing(servers.production, client, renewed, NAMES);
    assertThat(servers.productionNetwork.live(id)).contains(renewed);
  }

  @Test
  void probesThatPassAcknowledgeTheStagingTestAndConfirmProduction() throws Exception {
    StagingAndProduction servers = new StagingAndProduction(directory);
    EnrollmentId id = enrollAndStart(true, servers, b -> b
        .stagingProbe(probe(servers.staging, Duration.ofSeconds(10)))
        .productionProbe(probe(servers.production, Duration.ofSeconds(10)))
        .autoAcknowledgeStaging(true));

    Change done = runUntil(id, c -> c.state() instanceof ChangeState.Completed);

    CertificateChain issued = Objects.requireNonNull(done.certificate());
    assertThat(Objects.requireNonNull(done.stagingAcknowledgement()).who()).isEqualTo("staging probe");
    assertThat(done.probes()).hasSize(4).allSatisfy(p -> {
      assertThat(p.passed()).as(p.toString()).isTrue();
      assertThat(p.servedFingerprint()).isEqualTo(issued.fingerprint());
    });
    assertThat(done.probes()).extracting(ProbeResult::role)
        .containsExactly(NetworkRole.STAGING, NetworkRole.STAGING, NetworkRole.PRODUCTION, NetworkRole.PRODUCTION);
    assertThat(done.probes()).extracting(ProbeResult::serverName).containsExactly(
        NAMES.get(0), NAMES.get(1), NAMES.get(0), NAMES.get(1));
    // nginx reloads gracefully: for a moment after the new workers answer (and the probe passed),
    // an old worker can still take a connection and serve the placeholder.
    awaitServing(servers.production, client, issued, NAMES);
  }

  @Test
  void theStagingProbeCatchesAStagingServerThatSilentlyServesAStaleCertificate() throws Exception {
    StagingAndProduction servers = new StagingAndProduction(directory, List.of("true"));
    EnrollmentId id = enrollAndStart(false, servers, b -> b.stagingProbe(probe(servers.staging, Duration.ofSeconds(1))));
    CertificateChain placeholder = servers.stagingNetwork.live(id).orElseThrow();

    Change waiting = runUntil(id, c -> c.attempts() > 0);

    CertificateChain issued = Objects.requireNonNull(waiting.certificate());
    assertThat(servers.stagingNetwork.live(id)).as("the files are new; nginx never read them").contains(issued);
    assertThat(waiting.state()).isInstanceOf(ChangeState.ReadyForStaging.class);
    assertThat(waiting.lastError()).contains("probe failed", "not the deployed serial " + issued.serialNumber());
    assertThat(waiting.probes()).hasSize(2).allSatisfy(p -> {
      assertThat(p.passed()).isFalse();
      assertThat(p.role()).isEqualTo(NetworkRole.STAGING);
      assertThat(p.servedFingerprint()).isEqualTo(placeholder.fingerprint());
    });
    assertThat(servers.productionNetwork.live(id)).as("production untouched").contains(placeholder);

    servers.staging.reload();
    Change done = runUntil(id, c -> c.state() instanceof ChangeState.Completed);
    assertThat(done.probes()).hasSize(2).allMatch(ProbeResult::passed);
    awaitServing(servers.production, client, issued, NAMES);
  }

  private TlsProbe probe(NginxServer server, Duration patience) {
    return TlsProbe.builder().endpoint("127.0.0.1", server.port()).trustAnchors(ca.rootCertificate()).clock(clock)
        .patience(patience).build();
  }

  private EnrollmentId enrollAndStart(boolean alwaysTestOnStaging) throws Exception {
    return enrollAndStart(alwaysTestOnStaging, new StagingAndProduction(directory), b -> { });
  }

  private EnrollmentId enrollAndStart(boolean alwaysTestOnStaging, StagingAndProduction servers,
      Consumer<ProvisionerBuilder> configuration) throws Exception {
    this.servers = servers;
    ProvisionerBuilder builder = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore())
        .keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca)
        .stagingNetwork(servers.stagingNetwork)
        .productionNetwork(servers.productionNetwork)
        .listener(events::add)
        .workers(1)
        .jitterSeed(42);
    configuration.accept(builder);
    provisioner = builder.build();
    EnrollmentRequest request = EnrollmentRequest.builder()
        .commonName(NAMES.get(0)).subjectAlternativeNames(NAMES).alwaysTestOnStaging(alwaysTestOnStaging).build();
    EnrollmentId id = provisioner.enroll(request, "alice").id();
    servers.start(id, NAMES.toArray(String[]::new));
    return id;
  }

  /** Runs what is due and moves the clock a minute at a time until the newest change matches, at most a day. */
  private Change runUntil(EnrollmentId id, Predicate<Change> condition) {
    provisioner.runDue();
    for (int minute = 0; minute < 24 * 60; minute++) {
      Change latest = enrollment(id).latestChange().orElseThrow();
      if (condition.test(latest)) {
        return latest;
      }
      clock.advance(Duration.ofMinutes(1));
      provisioner.runDue();
    }
    throw new AssertionError("the change never got there: " + enrollment(id).latestChange().orElseThrow()
        + servers.staging.log() + servers.production.log());
  }

  private Enrollment enrollment(EnrollmentId id) {
    return provisioner.enrollment(id).orElseThrow();
  }
}
