package dev.cps.internal.crypto;

import static dev.cps.internal.crypto.TestPki.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.Contact;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import java.security.KeyPair;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CertificateVerifierTest {
  private static final TestPki PKI = new TestPki();
  private static final KeyPair KEYS = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);
  private static final EnrollmentRequest REQUEST = TestPki.request();
  private static final CertificateSigningRequest CSR =
      new CsrFactory(TestPki.CRYPTO).create(REQUEST, KEYS, KeyType.EC_P256);

  private final CertificateVerifier verifier = new CertificateVerifier(TestPki.CRYPTO);

  private static TestPki.Leaf leaf() {
    return PKI.leaf(CSR, KEYS.getPublic());
  }

  private Verification verify(X509Certificate... chain) {
    return verifier.verify(CertificateChain.of(chain), CSR, KEYS.getPublic(), REQUEST, REQUEST, NOW);
  }

  private static List<WarningCode> codes(Verification verification) {
    return verification.warnings().stream().map(Warning::code).toList();
  }

  @Test
  void aCertificateAsAskedForHasNoWarnings() {
    X509Certificate leaf = leaf().build();

    Verification verification = verify(leaf, PKI.intermediate);

    assertThat(verification.warnings()).isEmpty();
    assertThat(verification.fatal()).isNull();
    assertThat(verification.isClean()).isTrue();
    assertThat(verification.chain().certificates()).containsExactly(leaf, PKI.intermediate);
  }

  @Test
  void aChainWithItsRootIsClean() {
    X509Certificate leaf = leaf().build();

    Verification verification = verify(leaf, PKI.intermediate, PKI.root);

    assertThat(verification.isClean()).isTrue();
    assertThat(verification.chain().certificates()).containsExactly(leaf, PKI.intermediate, PKI.root);
  }

  @Test
  void namesCompareWithoutCase() {
    Verification verification =
        verify(leaf().names("WWW.example.com", "Example.COM", "api.example.com").build(), PKI.intermediate);

    assertThat(verification.warnings()).isEmpty();
  }

  @Test
  void aNameTheCaDroppedIsMissing() {
    Verification verification = verify(leaf().names("www.example.com", "example.com").build(), PKI.intermediate);

    assertThat(verification.warnings()).containsExactly(new Warning(WarningCode.CSR_VS_CERTIFICATE_SAN_MISSING,
        "the CSR asks for 'api.example.com', the certificate does not name it"));
  }

  @Test
  void aNameTheCaAddedIsAdded() {
    Verification verification = verify(
        leaf().names("www.example.com", "example.com", "api.example.com", "mail.example.com").build(),
        PKI.intermediate);

    assertThat(verification.warnings()).containsExactly(new Warning(WarningCode.CSR_VS_CERTIFICATE_SAN_ADDED,
        "the certificate names 'mail.example.com', the CSR did not ask for it"));
  }

  static Stream<Arguments> subjectChanges() {
    String base = "C=US,ST=Illinois,L=Springfield,O=Example Corp,OU=Web Team,CN=";
    return Stream.of(
        Arguments.of("C=US,ST=Illinois,L=Springfield,O=Example Corp,OU=Web Team,CN=example.com",
            WarningCode.CSR_VS_CERTIFICATE_CN_MISMATCH, "CSR has 'www.example.com', certificate has 'example.com'"),
        Arguments.of("C=US,ST=Illinois,L=Springfield,O=Example Inc,OU=Web Team,CN=www.example.com",
            WarningCode.CSR_VS_CERTIFICATE_O_FIELD_MISMATCH, "CSR has 'Example Corp', certificate has 'Example Inc'"),
        Arguments.of("C=US,ST=Illinois,L=Springfield,O=Example Corp,CN=www.example.com",
            WarningCode.CSR_VS_CERTIFICATE_OU_FIELD_MISMATCH, "CSR has 'Web Team', certificate has none"),
        Arguments.of("C=US,ST=Illinois,L=Chicago,O=Example Corp,OU=Web Team,CN=www.example.com",
            WarningCode.CSR_VS_CERTIFICATE_L_FIELD_MISMATCH, "CSR has 'Springfield', certificate has 'Chicago'"),
        Arguments.of("C=US,ST=IL,L=Springfield,O=Example Corp,OU=Web Team,CN=www.example.com",
            WarningCode.CSR_VS_CERTIFICATE_ST_FIELD_MISMATCH, "CSR has 'Illinois', certificate has 'IL'"),
        Arguments.of("C=CA,ST=Illinois,L=Springfield,O=Example Corp,OU=Web Team,CN=www.example.com",
            WarningCode.CSR_VS_CERTIFICATE_C_FIELD_MISMATCH, "CSR has 'US', certificate has 'CA'"),
        Arguments.of(base + "WWW.Example.com", null, null));
  }

  @ParameterizedTest
  @MethodSource("subjectChanges")
  void eachSubjectFieldTheCaChangedIsItsOwnWarning(String issuedSubject, WarningCode code, String detail) {
    Verification verification = verify(leaf().subject(issuedSubject).build(), PKI.intermediate);

    if (code == null) {
      assertThat(verification.warnings()).isEmpty();
    } else {
      assertThat(verification.warnings()).containsExactly(new Warning(code, detail));
    }
  }

  @Test
  void aCertificateForAnotherKeyIsFatalAndNamesBothFingerprints() {
    KeyPair other = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);

    Verification verification = verify(leaf().publicKey(other.getPublic()).build(), PKI.intermediate);

    assertThat(verification.fatal())
        .contains(TestPki.sha256Hex(other.getPublic().getEncoded()))
        .contains(TestPki.sha256Hex(KEYS.getPublic().getEncoded()))
        .contains("never be served")
        .doesNotContain(Base64.getEncoder().encodeToString(KEYS.getPrivate().getEncoded()))
        .doesNotContain(HexFormat.of().formatHex(KEYS.getPrivate().getEncoded()));
    assertThat(verification.chain().leaf().getPublicKey()).isEqualTo(other.getPublic());
  }

  @Test
  void theLeafIsFoundByItsKeyWhereverItIs() {
    X509Certificate leaf = leaf().build();

    Verification verification = verify(PKI.intermediate, leaf);

    assertThat(codes(verification)).containsExactly(WarningCode.TRUST_CHAIN_UNSORTED);
    assertThat(verification.fatal()).isNull();
    assertThat(verification.chain().certificates()).containsExactly(leaf, PKI.intermediate);
  }

  @Test
  void anUnsortedChainIsReportedAndSorted() {
    X509Certificate leaf = leaf().build();

    Verification verification = verify(PKI.root, leaf, PKI.intermediate);

    assertThat(codes(verification)).containsExactly(WarningCode.TRUST_CHAIN_UNSORTED);
    assertThat(verification.warnings().get(0).detail()).contains("Test Root", "Test Intermediate");
    assertThat(verification.chain().certificates()).containsExactly(leaf, PKI.intermediate, PKI.root);
  }

  @Test
  void aCertificateOffThePathIsMovedToTheEnd() {
    KeyPair keys = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);
    X500Name name = new X500Name("CN=Unrelated Root");
    X509Certificate unrelated = PKI.ca(name, name, keys.getPublic(), keys.getPrivate());
    X509Certificate leaf = leaf().build();

    Verification verification = verify(leaf, unrelated, PKI.intermediate);

    assertThat(verification.warnings()).extracting(Warning::code)
        .containsExactly(WarningCode.TRUST_CHAIN_UNSORTED, WarningCode.TRUST_CHAIN_UNSORTED);
    assertThat(verification.warnings().get(1).detail()).contains("CN=Unrelated Root", "not on the path");
    assertThat(verification.chain().certificates()).containsExactly(leaf, PKI.intermediate, unrelated);
  }

  @Test
  void aLeafWithoutItsIssuerIsIncomplete() {
    Verification verification = verify(leaf().build());

    assertThat(verification.warnings()).containsExactly(new Warning(WarningCode.TRUST_CHAIN_INCOMPLETE,
        "the leaf's issuer 'C=US,O=Test PKI,CN=Test Intermediate' is not in the chain"));
  }

  @Test
  void aLeafSignedByAnotherKeyIsIncomplete() {
    KeyPair impostor = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);

    Verification verification = verify(leaf().signedBy(impostor.getPrivate()).build(), PKI.intermediate);

    assertThat(codes(verification)).containsExactly(WarningCode.TRUST_CHAIN_INCOMPLETE);
    assertThat(verification.warnings().get(0).detail()).contains("does not verify");
  }

  @Test
  void anIntermediateNotSignedByTheRootInTheChainIsIncomplete() {
    TestPki impostor = new TestPki();
    X509Certificate leaf = leaf().build();

    Verification verification = verify(leaf, PKI.intermediate, impostor.root);

    assertThat(codes(verification)).containsExactly(WarningCode.TRUST_CHAIN_INCOMPLETE);
    assertThat(verification.warnings().get(0).detail()).contains("Test Intermediate", "does not verify");
  }

  @Test
  void anIssuerThatIsNotACaIsIncomplete() {
    X509Certificate notACa = PKI.leaf(CSR, PKI.intermediateKeys.getPublic())
        .subject("C=US,O=Test PKI,CN=Test Intermediate").build();

    Verification verification = verify(leaf().build(), notACa);

    assertThat(codes(verification)).containsExactly(WarningCode.TRUST_CHAIN_INCOMPLETE);
    assertThat(verification.warnings().get(0).detail()).contains("is not a CA certificate");
  }

  @Test
  void eachFurtherLeafOfTheSameCaCostsOneSignatureVerification() {
    verify(leaf().build(), PKI.intermediate, PKI.root);
    assertThat(verifier.signatureVerifications()).isEqualTo(2);

    for (int i = 0; i < 5; i++) {
      assertThat(verify(leaf().build(), PKI.intermediate, PKI.root).isClean()).isTrue();
    }

    assertThat(verifier.signatureVerifications()).isEqualTo(2 + 5);
  }

  @Test
  void theCacheNeverSkipsTheLeafsSignature() {
    X509Certificate good = leaf().build();
    assertThat(verify(good, PKI.intermediate, PKI.root).isClean()).isTrue();
    assertThat(verify(good, PKI.intermediate, PKI.root).isClean()).isTrue();
    KeyPair impostor = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);

    Verification forged = verify(leaf().signedBy(impostor.getPrivate()).build(), PKI.intermediate, PKI.root);

    assertThat(codes(forged)).containsExactly(WarningCode.TRUST_CHAIN_INCOMPLETE);
    assertThat(verifier.signatureVerifications()).isEqualTo(2 + 1 + 1);
  }

  @Test
  void aCertificateValidOnlyLaterIsNotYetValid() {
    Verification verification =
        verify(leaf().validity(NOW.plus(Duration.ofMinutes(6)), NOW.plus(Duration.ofDays(90))).build(),
            PKI.intermediate);

    assertThat(codes(verification)).containsExactly(WarningCode.CERTIFICATE_NOT_YET_VALID);
  }

  @Test
  void fiveMinutesOfClockSkewAreTolerated() {
    Verification verification =
        verify(leaf().validity(NOW.plus(Duration.ofMinutes(5)), NOW.plus(Duration.ofDays(90))).build(),
            PKI.intermediate);

    assertThat(verification.warnings()).isEmpty();
  }

  @Test
  void aCertificateExpiringWithinTheMinimumIsTooShort() {
    X509Certificate leaf = leaf().validity(NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(2))).build();

    assertThat(codes(verify(leaf, PKI.intermediate))).containsExactly(WarningCode.CERTIFICATE_EXPIRATION_TOO_SHORT);
    Verification lenient = new CertificateVerifier(TestPki.CRYPTO, Duration.ofDays(1))
        .verify(CertificateChain.of(leaf, PKI.intermediate), CSR, KEYS.getPublic(), REQUEST, REQUEST, NOW);
    assertThat(lenient.warnings()).isEmpty();
  }

  @Test
  void anExpiredCertificateIsFatal() {
    X509Certificate leaf = leaf().validity(NOW.minus(Duration.ofDays(10)), NOW).build();

    Verification verification = verify(leaf, PKI.intermediate);

    assertThat(verification.fatal()).startsWith("certificate already expired");
    assertThat(verification.isClean()).isFalse();
  }

  @Test
  void aKeyUsageWithoutDigitalSignatureIsUnsuitable() {
    Verification verification = verify(leaf().keyUsage(KeyUsage.keyEncipherment).build(), PKI.intermediate);

    assertThat(codes(verification)).containsExactly(WarningCode.CERTIFICATE_KEY_USAGE_UNSUITABLE);
  }

  @Test
  void anExtendedKeyUsageWithoutServerAuthIsUnsuitable() {
    Verification verification =
        verify(leaf().extendedKeyUsage(KeyPurposeId.id_kp_clientAuth).build(), PKI.intermediate);

    assertThat(codes(verification)).containsExactly(WarningCode.CERTIFICATE_KEY_USAGE_UNSUITABLE);
  }

  @Test
  void withoutKeyUsageExtensionsNothingIsUnsuitable() {
    Verification verification = verify(leaf().keyUsage(null).extendedKeyUsage(null).build(), PKI.intermediate);

    assertThat(verification.warnings()).isEmpty();
  }

  @Test
  void anEnrollmentChangedSinceSubmissionNamesWhatChanged() {
    EnrollmentRequest current = REQUEST.toBuilder()
        .addSubjectAlternativeName("shop.example.com")
        .techContact(new Contact("Tia", "Tech", "tia@provider.example", "+1 217 555 0103"))
        .build();

    Verification verification = verifier.verify(
        CertificateChain.of(leaf().build(), PKI.intermediate), CSR, KEYS.getPublic(), REQUEST, current, NOW);

    assertThat(verification.warnings()).containsExactly(new Warning(WarningCode.ENROLLMENT_CHANGED_SINCE_SUBMISSION,
        "changed since the CSR was submitted: subjectAlternativeNames, techContact;"
            + " a certificate ordered now would differ from this one"));
  }

  @Test
  void aChangeThatDoesNotTouchTheCertificateSaysSo() {
    EnrollmentRequest current = REQUEST.toBuilder().alwaysTestOnStaging(true).build();

    Verification verification = verifier.verify(
        CertificateChain.of(leaf().build(), PKI.intermediate), CSR, KEYS.getPublic(), REQUEST, current, NOW);

    assertThat(verification.warnings()).containsExactly(new Warning(WarningCode.ENROLLMENT_CHANGED_SINCE_SUBMISSION,
        "changed since the CSR was submitted: alwaysTestOnStaging; the certificate itself is not affected"));
  }

  @Test
  void anRsaLeafIsVerifiedLikeAnEcOne() {
    KeyPair rsa = TestPki.CRYPTO.generateKeyPair(KeyType.RSA_2048);
    CertificateSigningRequest csr = new CsrFactory(TestPki.CRYPTO).create(REQUEST, rsa, KeyType.RSA_2048);
    X509Certificate leaf = PKI.leaf(csr, rsa.getPublic()).build();

    Verification verification = verifier.verify(
        CertificateChain.of(PKI.intermediate, leaf), csr, rsa.getPublic(), REQUEST, REQUEST, NOW);

    assertThat(codes(verification)).containsExactly(WarningCode.TRUST_CHAIN_UNSORTED);
    assertThat(verification.chain().leaf()).isEqualTo(leaf);
  }

  @Test
  void theJdksSunEcProviderVerifiesTheSame() {
    CertificateVerifier sunEc = new CertificateVerifier(Crypto.of(Security.getProvider("SunEC")));
    KeyPair impostor = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);

    Verification clean = sunEc.verify(CertificateChain.of(leaf().build(), PKI.intermediate, PKI.root),
        CSR, KEYS.getPublic(), REQUEST, REQUEST, NOW);
    Verification forged = sunEc.verify(CertificateChain.of(leaf().signedBy(impostor.getPrivate()).build(),
        PKI.intermediate), CSR, KEYS.getPublic(), REQUEST, REQUEST, NOW);

    assertThat(clean.isClean()).isTrue();
    assertThat(codes(forged)).containsExactly(WarningCode.TRUST_CHAIN_INCOMPLETE);
  }

  @Test
  void aBrokenCsrIsAnInputError() {
    assertThatThrownBy(() -> verifier.verify(CertificateChain.of(leaf().build()),
            new CertificateSigningRequest(new byte[] {1, 2, 3}), KEYS.getPublic(), REQUEST, REQUEST, NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PKCS#10");
  }

  @Test
  void aNegativeMinimumLifetimeIsRefused() {
    assertThatThrownBy(() -> new CertificateVerifier(TestPki.CRYPTO, Duration.ofDays(-1)))
        .hasMessage("minimumLifetime must not be negative, was PT-24H");
  }
}
