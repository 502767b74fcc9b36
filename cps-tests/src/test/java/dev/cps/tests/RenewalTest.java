package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.UpdateMode;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.junit.CpsTestkit;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DESIGN step 11: when renewal starts, for every validation type and lifetime. */
class RenewalTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  static Stream<Arguments> renewalInstants() {
    return Stream.of(
        Arguments.of("DV, 90 days: 20 days before", ValidationType.DV, Duration.ofDays(90), Duration.ofDays(20)),
        Arguments.of("OV, 200 days: 60 days before", ValidationType.OV, Duration.ofDays(200), Duration.ofDays(60)),
        Arguments.of("EV, 200 days: 60 days before", ValidationType.EV, Duration.ofDays(200), Duration.ofDays(60)),
        Arguments.of("OV, 100 days: a third", ValidationType.OV, Duration.ofDays(100),
            Duration.ofDays(100).dividedBy(3)),
        Arguments.of("DV, 47 days: 15 days 16 hours", ValidationType.DV, Duration.ofDays(47),
            Duration.ofDays(47).dividedBy(3)),
        Arguments.of("DV, 45 days: 15 days", ValidationType.DV, Duration.ofDays(45), Duration.ofDays(15)),
        Arguments.of("DV, 6 days: 2 days", ValidationType.DV, Duration.ofDays(6), Duration.ofDays(2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renewalInstants")
  void renewalStartsExactlyAtThePolicyInstant(String name, ValidationType type, Duration lifetime, Duration lead) {
    cps.ca().lifetime(type, lifetime);
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(request(type, "renew.example.com"), "alice");
    reachProduction(provisioner, enrolled);
    DeployedCertificate first = provisioner.enrollment(enrolled.id()).orElseThrow().production();
    Instant renewalAt = first.notAfter().minus(lead);
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().renewalAt()).isEqualTo(renewalAt);

    cps.clock().set(renewalAt.minusSeconds(1));
    provisioner.runDue();
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().openChange()).isEmpty();

    cps.clock().set(renewalAt);
    provisioner.runDue();
    Enrollment renewing = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(renewing.openChange()).get().satisfies(change -> {
      assertThat(change.reason()).isEqualTo(ChangeReason.RENEWAL);
      assertThat(change.createdAt()).isEqualTo(renewalAt);
    });
  }

  @Test
  void aCaSuggestedWindowIsFollowed() {
    cps.ca().suggestRenewal(Duration.ofDays(40), Duration.ofDays(35));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(request(ValidationType.DV, "ari.example.com"), "alice");
    reachProduction(provisioner, enrolled);

    Enrollment live = provisioner.enrollment(enrolled.id()).orElseThrow();
    Instant notAfter = live.production().notAfter();
    assertThat(live.renewalAt()).isBetween(notAfter.minus(Duration.ofDays(40)), notAfter.minus(Duration.ofDays(35)));
  }

  @Test
  void renewalUsesANewKeyAndKeepsThePreviousCertificateInTheHistory() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(request(ValidationType.DV, "keys.example.com"), "alice");
    reachProduction(provisioner, enrolled);
    DeployedCertificate first = provisioner.enrollment(enrolled.id()).orElseThrow().production();

    cps.clock().set(provisioner.enrollment(enrolled.id()).orElseThrow().renewalAt());
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));

    Enrollment renewed = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(renewed.production().key()).isNotEqualTo(first.key());
    assertThat(renewed.production().chain().leaf().getPublicKey())
        .isNotEqualTo(first.chain().leaf().getPublicKey());
    assertThat(renewed.history()).containsExactly(first);
    assertThat(cps.ca().orders().get(1).replaces()).isEqualTo(first.chain());
  }

  @Test
  void renewalCanReuseTheKeyWhenConfigured() {
    CertificateProvisioner provisioner = cps.configure(b -> b.reuseKeyOnRenewal(true)).provisioner();
    Enrollment enrolled = inProduction(provisioner, "same-key.example.com");
    DeployedCertificate first = provisioner.enrollment(enrolled.id()).orElseThrow().production();

    provisioner.renewNow(enrolled.id(), "alice");
    reachProduction(provisioner, enrolled);

    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().production().key()).isEqualTo(first.key());
  }

  /** The live key is reused only if it is of the type the request asks now, size included. */
  @Test
  void aRenewalAfterTheKeyTypeChangedGetsANewKeyEvenWhenKeysAreReused() {
    CertificateProvisioner provisioner = cps.configure(b -> b.reuseKeyOnRenewal(true)).provisioner();
    Enrollment enrolled = inProduction(provisioner, "bigger-key.example.com");
    DeployedCertificate first = provisioner.enrollment(enrolled.id()).orElseThrow().production();
    // The change the update opens for the new key type is cancelled: P-256 stays live, P-384 is asked.
    Enrollment updated = provisioner.update(enrolled.id(),
        enrolled.request().toBuilder().keyType(KeyType.EC_P384).build(), UpdateMode.REFUSE_IF_PENDING, "alice");
    provisioner.cancel(ChangeRef.ofOpenChange(updated), "alice");

    provisioner.renewNow(enrolled.id(), "alice");
    reachProduction(provisioner, enrolled);

    DeployedCertificate renewed = provisioner.enrollment(enrolled.id()).orElseThrow().production();
    assertThat(renewed.key()).isNotEqualTo(first.key());
    assertThat(((ECPublicKey) renewed.chain().leaf().getPublicKey()).getParams().getCurve().getField().getFieldSize())
        .isEqualTo(384);
  }

  @Test
  void threeYearsOfRenewalsOrderEachCertificateOnceAndNeverLapse() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(request(ValidationType.DV, "years.example.com"), "alice");
    Duration step = Duration.ofHours(1);

    cps.runFor(Duration.ofDays(3 * 365), step);

    Enrollment after = provisioner.enrollment(enrolled.id()).orElseThrow();
    List<DeployedCertificate> served = new ArrayList<>(after.history());
    served.add(after.production());
    // 90-day certificates renewed 20 days early: a new one every 70 days.
    assertThat(served).hasSize(1 + (3 * 365) / 70);
    assertThat(cps.ca().orders()).hasSameSizeAs(served);
    for (int i = 1; i < served.size(); i++) {
      Instant due = served.get(i - 1).notAfter().minus(Duration.ofDays(20));
      assertThat(served.get(i).deployedAt()).isBetween(due, due.plus(step).plus(Duration.ofMinutes(2)).plus(step));
      assertThat(served.get(i).deployedAt()).isBefore(served.get(i - 1).notAfter());
    }
    assertThat(cps.events()).noneMatch(ProvisioningEvent.ExpiringSoon.class::isInstance);
  }

  @Test
  void historyAndKeysStayBoundedOverManyShortLivedCertificates() {
    cps.ca().lifetime(ValidationType.DV, Duration.ofDays(6));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(request(ValidationType.DV, "short.example.com"), "alice");

    cps.runFor(Duration.ofDays(300), Duration.ofHours(1));

    Enrollment after = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(cps.ca().issuedCount()).as("a certificate every four days").isGreaterThan(70);
    assertThat(after.history()).hasSize(20);
    assertThat(after.changes()).hasSizeLessThanOrEqualTo(20);
    assertThat(cps.keys().size()).as("keys of the kept history and the live certificate").isEqualTo(21);
    assertThat(cps.keys().publicKey(after.production().key())).isPresent();
    after.history().forEach(old -> assertThat(cps.keys().publicKey(old.key())).isPresent());
  }

  @Test
  void anExpiringCertificateWithNoReplacementRaisesAnEvent() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(request(ValidationType.DV, "expiring.example.com"), "alice");
    reachProduction(provisioner, enrolled);
    Instant notAfter = provisioner.enrollment(enrolled.id()).orElseThrow().production().notAfter();
    cps.ca().rejectNext("CAA forbids this CA");

    cps.clock().set(notAfter.minus(Duration.ofDays(14)));
    provisioner.runDue();

    assertThat(cps.events()).filteredOn(ProvisioningEvent.ExpiringSoon.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((ProvisioningEvent.ExpiringSoon) e).notAfter()).isEqualTo(notAfter));
  }

  /** Moves the clock an hour at a time until the open change is live, at most eight days. */
  /** A DV enrollment for the name, taken to production. */
  private Enrollment inProduction(CertificateProvisioner provisioner, String name) {
    Enrollment enrolled = provisioner.enroll(request(ValidationType.DV, name), "alice");
    reachProduction(provisioner, enrolled);
    return enrolled;
  }

  private void reachProduction(CertificateProvisioner provisioner, Enrollment enrolled) {
    provisioner.runDue();
    for (int hour = 0; hour < 8 * 24 && provisioner.enrollment(enrolled.id()).orElseThrow().openChange().isPresent();
        hour++) {
      cps.advance(Duration.ofHours(1));
    }
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().openChange()).isEmpty();
  }

  private static EnrollmentRequest request(ValidationType type, String name) {
    return switch (type) {
      case DV -> Requests.dv(name).build();
      case OV -> Requests.ov(name).build();
      default -> Requests.ev(name).build();
    };
  }
}
