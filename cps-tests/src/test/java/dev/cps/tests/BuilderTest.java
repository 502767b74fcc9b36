package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.ProvisionerBuilder;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder names what is missing or wrong, and finds plug-ins by URI through ServiceLoader. */
class BuilderTest {
  private final MutableClock clock = MutableClock.at(CpsTestkit.START);

  @Test
  void buildWithoutEnrollmentStoreNamesIt() {
    ProvisionerBuilder builder = CertificateProvisioner.builder().clock(clock)
        .keyStore(new InMemoryPrivateKeyStore()).certificateAuthority(ca("fake"))
        .productionNetwork(new RecordingNetwork("production"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("enrollmentStore");
  }

  @Test
  void aNegativeWorkerCountIsRefusedNotTakenForTheDefault() {
    ProvisionerBuilder builder = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca("fake")).productionNetwork(new RecordingNetwork("production")).workers(-1);

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("workers must be between 1 and 256, was -1");
  }

  @Test
  void aStagingProbeWithoutAStagingNetworkIsRefused() {
    RecordingNetwork production = new RecordingNetwork("production");
    ProvisionerBuilder builder = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca("fake")).productionNetwork(production).stagingProbe(production.probe(clock));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stagingProbe needs a stagingNetwork");
  }

  @Test
  void buildWithoutKeyStoreNamesIt() {
    ProvisionerBuilder builder = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).certificateAuthority(ca("fake"))
        .productionNetwork(new RecordingNetwork("production"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("keyStore");
  }

  @Test
  void buildWithoutProductionNetworkNamesIt() {
    ProvisionerBuilder builder = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca("fake")).stagingNetwork(new RecordingNetwork("staging"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("productionNetwork");
  }

  @Test
  void buildWithoutCertificateAuthorityNamesIt() {
    ProvisionerBuilder builder = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .productionNetwork(new RecordingNetwork("production"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("certificateAuthority");
  }

  @Test
  void aLeaseShorterThanASecondOrABlankNodeIdIsRefusedNamingIt() {
    ProvisionerBuilder shortLease = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca("fake")).productionNetwork(new RecordingNetwork("production"))
        .leaseDuration(java.time.Duration.ofMillis(500));
    assertThatThrownBy(shortLease::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("leaseDuration").hasMessageContaining("PT0.5S");

    ProvisionerBuilder blankNode = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca("fake")).productionNetwork(new RecordingNetwork("production"))
        .nodeId(" ");
    assertThatThrownBy(blankNode::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nodeId").hasMessageContaining("' '");
  }

  @Test
  void settingTheClockTwiceIsRefusedNamingIt() {
    ProvisionerBuilder builder = CertificateProvisioner.builder().clock(clock);

    assertThatThrownBy(() -> builder.clock(MutableClock.at(CpsTestkit.START)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("clock");
  }

  @Test
  void zeroWorkersAreRefusedNamingPropertyAndValue() {
    ProvisionerBuilder builder = complete().workers(0);

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("workers").hasMessageFindingMatch("\\b0\\b");
  }

  @Test
  void unknownDefaultAuthorityIsRefusedNamingIt() {
    ProvisionerBuilder builder = complete().defaultAuthority("nope");

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("defaultAuthority").hasMessageContaining("nope");
  }

  @Test
  void twoAuthoritiesWithTheSameIdAreRefused() {
    ProvisionerBuilder builder = complete().certificateAuthority(ca("fake"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("'fake'");
  }

  @Test
  void pluginsAreFoundByUriThroughServiceLoader() {
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .enrollmentStore(URI.create("memory:enrollments"))
        .keyStore(URI.create("memory:keys"))
        .certificateAuthority(URI.create("fake:ca"))
        .productionNetwork(URI.create("recording:production"))
        .clock(clock)
        .build()) {
      Enrollment enrolled = provisioner.enroll(Requests.dv("www.example.com", "example.com").build(), "alice");
      assertThat(enrolled.openChange().orElseThrow().authority()).isEqualTo("ca");

      provisioner.runDue();
      assertThat(latest(provisioner, enrolled).state()).isInstanceOf(ChangeState.Validating.class);
      clock.advance(Duration.ofMinutes(2));
      provisioner.runDue();

      Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
      assertThat(done.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
      assertThat(done.production()).isNotNull();
      assertThat(done.production().chain().leaf().getIssuerX500Principal().getName()).isNotEmpty();
      assertThat(provisioner.enrollments()).containsExactly(done);
    }
  }

  @Test
  void unknownUriSchemeIsRefusedNamingTheUri() {
    ProvisionerBuilder store = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(URI.create("nosuch:enrollments")).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca("fake")).productionNetwork(new RecordingNetwork("production"));
    ProvisionerBuilder authority = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(URI.create("acme-nowhere:directory")).productionNetwork(new RecordingNetwork("prod"));
    ProvisionerBuilder network = complete().stagingNetwork(URI.create("cdn-nowhere:staging"));

    assertThatThrownBy(store::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nosuch:enrollments");
    assertThatThrownBy(authority::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("acme-nowhere:directory");
    assertThatThrownBy(network::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cdn-nowhere:staging");
  }

  /** Everything required, given as instances. */
  private ProvisionerBuilder complete() {
    return CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca("fake")).productionNetwork(new RecordingNetwork("production"));
  }

  private FakeCertificateAuthority ca(String id) {
    return FakeCertificateAuthority.builder().id(id).clock(clock).build();
  }

  private static Change latest(CertificateProvisioner provisioner, Enrollment enrolled) {
    return provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow();
  }
}
