package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.CaRejectedException;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.TimelineEntry;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The live certificate is revoked at the CA that issued it; a renewal replaces it. */
class RevocationTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @Test
  void theLiveCertificateIsRevokedAtItsCaAndThenReplaced() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = inProduction("compromised.example.com");

    DeployedCertificate revoked = provisioner.revoke(enrolled.id(), RevocationReason.KEY_COMPROMISE, "security");
    assertThat(cps.ca().revocations())
        .containsExactly(Map.entry(revoked.chain().serialNumber(), RevocationReason.KEY_COMPROMISE));
    assertThat(cps.production().live(enrolled.id())).contains(revoked.chain());
    assertThatThrownBy(() -> provisioner.revoke(enrolled.id(), RevocationReason.KEY_COMPROMISE, "security"))
        .isInstanceOf(CaRejectedException.class).hasMessageContaining("already revoked");

    provisioner.renewNow(enrolled.id(), "security");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));
    Enrollment replaced = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(replaced.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(replaced.production().chain()).isNotEqualTo(revoked.chain());
    assertThat(replaced.production().key()).isNotEqualTo(revoked.key());
  }

  @Test
  void theRevocationIsNotedInTheTimelineOfTheChangeThatBroughtTheCertificateAndEmitted() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = inProduction("audited.example.com");

    DeployedCertificate revoked = provisioner.revoke(enrolled.id(), RevocationReason.KEY_COMPROMISE, "security");

    Change change = provisioner.enrollment(enrolled.id()).orElseThrow().change(revoked.change()).orElseThrow();
    assertThat(change.state()).isInstanceOf(ChangeState.Completed.class);
    TimelineEntry noted = change.timeline().get(change.timeline().size() - 1);
    assertThat(noted.who()).isEqualTo("security");
    assertThat(noted.at()).isEqualTo(cps.clock().instant());
    assertThat(noted.what()).isEqualTo("certificate " + revoked.chain().serialNumber() + " revoked at "
        + cps.ca().id() + " (KEY_COMPROMISE)");
    assertThat(cps.events()).filteredOn(ProvisioningEvent.Revoked.class::isInstance).singleElement()
        .isEqualTo(new ProvisioningEvent.Revoked(enrolled.id(), revoked.change(), revoked.chain(),
            RevocationReason.KEY_COMPROMISE, "security", cps.clock().instant()));
  }

  @Test
  void aRevocationWhoseNoteCannotBeStoredIsStillReturnedAndEmitted() {
    MutableClock clock = MutableClock.at(Instant.parse("2026-05-04T08:00:00Z"));
    FakeCertificateAuthority ca = FakeCertificateAuthority.builder().id("fake").clock(clock).build()
        .validationTime(ValidationType.DV, Duration.ZERO);
    AtomicBoolean storeDown = new AtomicBoolean();
    ForwardingEnrollmentStore store = new ForwardingEnrollmentStore() {
      @Override
      public void update(Enrollment enrollment, long expectedVersion) {
        if (storeDown.get()) {
          throw new IllegalStateException("the database went away");
        }
        super.update(enrollment, expectedVersion);
      }
    };
    List<ProvisioningEvent> events = new CopyOnWriteArrayList<>();
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(clock).enrollmentStore(store)
        .keyStore(new InMemoryPrivateKeyStore()).certificateAuthority(ca).productionNetwork(new RecordingNetwork(
            "production")).listener(events::add).workers(1).build()) {
      Enrollment enrolled = provisioner.enroll(Requests.dv("unlucky.example.com").build(), "alice");
      provisioner.runDue();
      DeployedCertificate live = provisioner.enrollment(enrolled.id()).orElseThrow().production();
      assertThat(live).as("in production after one pass").isNotNull();

      storeDown.set(true);
      DeployedCertificate revoked = provisioner.revoke(enrolled.id(), RevocationReason.KEY_COMPROMISE, "security");

      assertThat(revoked).isEqualTo(live);
      assertThat(ca.revocations()).containsOnlyKeys(live.chain().serialNumber());
      assertThat(events).filteredOn(ProvisioningEvent.Revoked.class::isInstance).singleElement()
          .isEqualTo(new ProvisioningEvent.Revoked(enrolled.id(), live.change(), live.chain(),
              RevocationReason.KEY_COMPROMISE, "security", clock.instant()));
    }
  }

  @Test
  void anEnrollmentWithoutAProductionCertificateHasNothingToRevoke() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("new.example.com").build(), "alice");
    assertThatThrownBy(() -> provisioner.revoke(enrolled.id(), RevocationReason.UNSPECIFIED, "security"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no certificate in production");
    assertThat(cps.ca().revocations()).isEmpty();
    assertThat(cps.events()).noneMatch(ProvisioningEvent.Revoked.class::isInstance);
  }

  /** An enrollment for the name, taken to production on the testkit's provisioner. */
  private Enrollment inProduction(String name) {
    Enrollment enrolled = cps.provisioner().enroll(Requests.dv(name).build(), "alice");
    cps.provisioner().runDue();
    cps.advance(Duration.ofMinutes(2));
    return enrolled;
  }
}
