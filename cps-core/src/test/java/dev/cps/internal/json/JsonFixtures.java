package dev.cps.internal.json;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Contact;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.NetworkSettings;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.OrderRef;
import dev.cps.spi.ProbeResult;
import dev.cps.spi.Organization;
import dev.cps.spi.TimelineEntry;
import dev.cps.spi.ValidationType;
import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Enrollments with every field filled or left empty, and real certificates and CSRs. */
final class JsonFixtures {
  /** Nanoseconds on purpose: the document must keep full precision. */
  static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123456789Z");

  static final CertificateChain CHAIN;
  static final CertificateSigningRequest CSR;

  static {
    try {
      KeyPair root = ecKeyPair();
      KeyPair leaf = ecKeyPair();
      X509Certificate rootCert = certificate("CN=Test Root", root, "CN=Test Root", root, true);
      X509Certificate leafCert = certificate("CN=www.example.com", leaf, "CN=Test Root", root, false);
      CHAIN = CertificateChain.of(leafCert, rootCert);
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(leaf.getPrivate());
      CSR = new CertificateSigningRequest(
          new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=www.example.com"), leaf.getPublic())
              .build(signer)
              .getEncoded());
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private JsonFixtures() {}

  /** One instance of every state the sealed type permits, in workflow order. */
  static List<ChangeState> everyState() {
    return List.of(
        new ChangeState.KeyPending(),
        new ChangeState.CsrReady(),
        new ChangeState.Validating(),
        new ChangeState.AwaitingChallenges(List.of(challenge("c1"), challenge("c2"))),
        new ChangeState.ChallengesInPlace(List.of(challenge("c1"))),
        new ChangeState.AwaitingWarningAcceptance(List.of(warning())),
        new ChangeState.ReadyForStaging(),
        new ChangeState.AwaitingStagingTest(),
        new ChangeState.AwaitingDeploymentDate(NOW.plus(Duration.ofDays(3))),
        new ChangeState.ReadyForProduction(),
        new ChangeState.Completed(),
        new ChangeState.Cancelled("denied by alice"),
        new ChangeState.Failed("CA refused: \"rejectedIdentifier\" – ünïcode too"));
  }

  static EnrollmentRequest fullRequest() {
    return EnrollmentRequest.builder()
        .commonName("www.example.com")
        .subjectAlternativeNames(List.of("example.com", "api.example.com", "*.cdn.example.com"))
        .validationType(ValidationType.OV)
        .keyType(KeyType.RSA_2048)
        .organization(new Organization(
            "Example GmbH", "Platform", "Hauptstr. 1", "Berlin", "Berlin", "10115", "DE", "+49 30 1234567"))
        .adminContact(new Contact("Alice", "Admin", "alice@example.com", "+49 30 1234568"))
        .techContact(new Contact("Tom", "Tech", "tom@provider.example", "+1 (555) 010-0000"))
        .certificateAuthority("fake-ca")
        .alwaysTestOnStaging(true)
        .deploymentNotBefore(NOW.plus(Duration.ofDays(10)))
        .networkSettings(new NetworkSettings(false, Set.of("TLSv1", "TLSv1.1"),
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")))
        .build();
  }

  static EnrollmentRequest minimalRequest() {
    return EnrollmentRequest.builder().commonName("shop.example.org").build();
  }

  /** A change in {@code state} with every nullable field set and every list filled. */
  static Change fullChange(ChangeState state) {
    return Change.open(ChangeId.of("change-2"), ChangeReason.RENEWAL, fullRequest(), "fake-ca", NOW, "alice")
        .toBuilder()
        .version(7)
        .state(state)
        .nextActionAt(NOW.plusSeconds(300))
        .key(KeyId.of("key-2"))
        .csr(CSR)
        .order(new OrderRef("fake-ca", "https://ca.invalid/order/42"))
        .presentedChallenges(List.of(challenge("c1")))
        .certificate(CHAIN)
        .warnings(List.of(warning(), new Warning(WarningCode.TRUST_CHAIN_UNSORTED, "root before leaf")))
        .deploymentNotBefore(NOW.plus(Duration.ofDays(10)))
        .stagingAcknowledgement(new TimelineEntry(NOW.plusSeconds(60), "staging test acknowledged", "bob"))
        .probes(List.of(
            new ProbeResult(NOW.plusSeconds(30), NetworkRole.STAGING, "127.0.0.1:8443", "www.example.com", true,
                "ab12", "serves the deployed certificate"),
            new ProbeResult(NOW.plusSeconds(31), NetworkRole.STAGING, "127.0.0.1:8444", "www.example.com", false,
                null, "connection refused")))
        .attempts(3)
        .lastError("CA unavailable: 503")
        .record(new TimelineEntry(NOW.plusSeconds(1), "KeyPending -> CsrReady", TimelineEntry.ENGINE))
        .build();
  }

  /** An enrollment with a closed first change, live certificates, history and {@code open}. */
  static Enrollment fullEnrollment(Change open) {
    Change first = Change.open(ChangeId.of("change-1"), ChangeReason.NEW_CERTIFICATE, fullRequest(), "fake-ca",
            NOW.minus(Duration.ofDays(90)), "alice")
        .toBuilder()
        .state(new ChangeState.Completed())
        .nextActionAt(null)
        .build();
    DeployedCertificate deployed = new DeployedCertificate(ChangeId.of("change-1"), KeyId.of("key-1"), CHAIN,
        NOW.minus(Duration.ofDays(80)));
    return new Enrollment(EnrollmentId.of("enrollment-1"), 12, fullRequest(), NOW.minus(Duration.ofDays(90)),
        List.of(first, open), deployed, deployed, List.of(deployed, deployed), NOW.plus(Duration.ofDays(30)),
        NOW.plus(Duration.ofDays(5)), NOW.plus(Duration.ofDays(60)), NOW.plusSeconds(300));
  }

  /** An enrollment with nothing optional: no changes, nothing deployed, no instants. */
  static Enrollment emptyEnrollment() {
    return new Enrollment(EnrollmentId.of("enrollment-0"), 0, minimalRequest(), NOW, List.of(), null, null,
        List.of(), null, null, null, null);
  }

  static Challenge challenge(String id) {
    return new Challenge(id, "authz-" + id, ChallengeType.DNS_01, "example.com", "token-" + id, "token-" + id + ".thumbprint");
  }

  static Warning warning() {
    return new Warning(WarningCode.CSR_VS_CERTIFICATE_OU_FIELD_MISMATCH, "OU 'Platform' missing from certificate");
  }

  private static KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys,
      boolean ca) throws Exception {
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(
        subject.hashCode() & 0x7fffffff), Date.from(NOW.minus(Duration.ofDays(1))),
        Date.from(NOW.plus(Duration.ofDays(90))), new X500Name(subject), subjectKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (!ca) {
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(new GeneralName(GeneralName.dNSName, "www.example.com")));
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }
}
