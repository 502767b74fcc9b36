package dev.cps.testkit.contract;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Contact;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.NetworkSettings;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.Organization;
import dev.cps.spi.ProbeResult;
import dev.cps.spi.TimelineEntry;
import dev.cps.spi.ValidationType;
import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.TestCsr;
import java.security.KeyPair;
import java.security.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.jspecify.annotations.Nullable;

/**
 * Values the contract tests store, deploy and order: an enrollment that uses every field of the
 * model, so that a store that forgets one fails the round trip. Instants are whole seconds, which
 * every store can keep exactly.
 */
final class ContractFixtures {
  static final Instant T0 = Instant.parse("2026-03-02T09:30:00Z");
  static final Provider BC = new BouncyCastleProvider();

  private ContractFixtures() {}

  /** An OV request with an organization, both contacts and every option set. */
  static EnrollmentRequest fullRequest() {
    Organization org = new Organization("Example Widgets GmbH", "Platform", "Hauptstrasse 1", "Berlin", "Berlin",
        "10115", "DE", "+49 30 1234567");
    return EnrollmentRequest.builder()
        .commonName("www.example.com")
        .subjectAlternativeNames(List.of("www.example.com", "api.example.com"))
        .validationType(ValidationType.OV)
        .keyType(KeyType.EC_P256)
        .organization(org)
        .adminContact(new Contact("Ada", "Admin", "ada@example.com", "+49 30 111111"))
        .techContact(new Contact("Tom", "Tech", "tom@provider.example.net", "+1 555 0100"))
        .certificateAuthority("fake")
        .alwaysTestOnStaging(true)
        .deploymentNotBefore(T0.plus(Duration.ofDays(3)))
        .networkSettings(new NetworkSettings(false, Set.of("TLSv1", "TLSv1.1"), List.of("TLS_AES_128_GCM_SHA256")))
        .build();
  }

  /** A DV request for the names, first name as CN. */
  static EnrollmentRequest request(String... names) {
    return EnrollmentRequest.builder().commonName(names[0]).subjectAlternativeNames(List.of(names)).build();
  }

  /** A small enrollment with no change, at {@code version}, due at {@code nextActionAt}. */
  static Enrollment enrollment(EnrollmentId id, long version, @Nullable Instant nextActionAt) {
    return new Enrollment(id, version, request("www.example.com"), T0, List.of(), null, null, List.of(), null, null,
        null, nextActionAt);
  }

  /** An enrollment with a completed change, an open change and certificates everywhere. */
  static Enrollment fullEnrollment(EnrollmentId id) {
    EnrollmentRequest request = fullRequest();
    CertificateChain chain = chain(request);
    CertificateChain renewed = chain(request);
    DeployedCertificate old = new DeployedCertificate(ChangeId.of("change-0"), KeyId.of("key-0"), chain, T0);
    DeployedCertificate live = new DeployedCertificate(
        ChangeId.of("change-1"), KeyId.of("key-1"), chain, T0.plus(Duration.ofHours(2)));
    // Staging already holds the renewal, so that a store that keeps one for the other fails.
    DeployedCertificate staged = new DeployedCertificate(
        ChangeId.of("change-2"), KeyId.of("key-2"), renewed, T0.plus(Duration.ofHours(3)));
    List<ProbeResult> probes = List.of(
        new ProbeResult(T0.plusSeconds(4000), NetworkRole.STAGING, "127.0.0.1:8443", "www.example.com", true,
            renewed.fingerprint(), "serves the deployed certificate"),
        new ProbeResult(T0.plusSeconds(4001), NetworkRole.STAGING, "127.0.0.1:8443", "api.example.com", false, null,
            "no certificate served: connection refused"));
    Change completed = Change.open(ChangeId.of("change-1"), ChangeReason.NEW_CERTIFICATE, request, "fake", T0, "ada")
        .toBuilder().version(9).state(new ChangeState.Completed()).nextActionAt(null).key(KeyId.of("key-1"))
        .certificate(chain).record(new TimelineEntry(T0.plusSeconds(60), "ReadyForProduction -> Completed", "engine"))
        .build();
    List<Warning> warnings = List.of(new Warning(WarningCode.CSR_VS_CERTIFICATE_OU_FIELD_MISMATCH, "OU 'Platform' missing"));
    Change open = Change.open(ChangeId.of("change-2"), ChangeReason.RENEWAL, request, "fake", T0.plusSeconds(3600), "engine")
        .toBuilder()
        .version(7)
        .state(new ChangeState.AwaitingWarningAcceptance(warnings))
        .nextActionAt(T0.plusSeconds(7200))
        .key(KeyId.of("key-2"))
        .csr(TestCsr.forRequest(request, BC).csr())
        .order(new OrderRef("fake", "order-42"))
        .presentedChallenges(List.of(new dev.cps.spi.Challenge(
            "challenge-1", "authz-1", ChallengeType.DNS_01, "www.example.com", "tok", "tok.thumb")))
        .certificate(renewed)
        .warnings(warnings)
        .probes(probes)
        .deploymentNotBefore(T0.plus(Duration.ofDays(5)))
        .stagingAcknowledgement(new TimelineEntry(T0.plusSeconds(5000), "staging test acknowledged", "ada"))
        .attempts(2)
        .lastError("fake CA unavailable")
        .record(new TimelineEntry(T0.plusSeconds(3700), "KeyPending -> CsrReady", "engine"))
        .build();
    return new Enrollment(id, 12, request, T0, List.of(completed, open), staged, live, List.of(old),
        T0.plus(Duration.ofDays(60)), T0.plus(Duration.ofDays(40)), T0.plus(Duration.ofDays(80)),
        T0.plusSeconds(7200));
  }

  /** Every state a change can be in, with what each carries. */
  static List<ChangeState> everyState() {
    List<dev.cps.spi.Challenge> challenges = List.of(new dev.cps.spi.Challenge(
        "challenge-9", "authz-9", ChallengeType.HTTP_01, "www.example.com", "token-9", "token-9.thumb"));
    return List.of(new ChangeState.KeyPending(), new ChangeState.CsrReady(), new ChangeState.Validating(),
        new ChangeState.AwaitingChallenges(challenges), new ChangeState.ChallengesInPlace(challenges),
        new ChangeState.AwaitingWarningAcceptance(
            List.of(new Warning(WarningCode.CSR_VS_CERTIFICATE_OU_FIELD_MISMATCH, "OU 'Platform' missing"))),
        new ChangeState.ReadyForStaging(), new ChangeState.AwaitingStagingTest(),
        new ChangeState.AwaitingDeploymentDate(T0.plus(Duration.ofDays(9))), new ChangeState.ReadyForProduction(),
        new ChangeState.Completed(), new ChangeState.Cancelled("replaced by an update"),
        new ChangeState.Failed("the CA refused: rejectedIdentifier"));
  }

  /** An enrollment whose one change is in {@code state}. */
  static Enrollment inState(EnrollmentId id, ChangeState state) {
    EnrollmentRequest request = request("www.example.com");
    Change change = Change.open(ChangeId.of(id.value() + "-change"), ChangeReason.NEW_CERTIFICATE, request, "fake", T0,
        "ada").toBuilder().version(3).state(state).nextActionAt(state.terminal() ? null : T0.plusSeconds(60)).build();
    return new Enrollment(id, 4, request, T0, List.of(change), null, null, List.of(), null, null, null,
        change.nextActionAt());
  }

  /** A real chain for the request from a fake CA, for a key nobody keeps. */
  static CertificateChain chain(EnrollmentRequest request) {
    return issue(TestCsr.forRequest(request, BC));
  }

  /** A real chain certifying the given key pair. */
  static CertificateChain chain(EnrollmentRequest request, KeyPair pair) {
    return issue(TestCsr.signedBy(request, pair, BC));
  }

  private static CertificateChain issue(TestCsr csr) {
    MutableClock clock = MutableClock.at(T0);
    FakeCertificateAuthority ca = FakeCertificateAuthority.builder().clock(clock).provider(BC).build();
    OrderRef ref = ca.submit(csr.orderRequest("fixture"));
    clock.advance(Duration.ofDays(30));
    if (!(ca.status(ref) instanceof OrderStatus.Issued)) {
      throw new IllegalStateException("the fixture CA did not issue " + ref);
    }
    return ca.retrieve(ref);
  }
}
