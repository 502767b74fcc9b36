package dev.cps.internal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import dev.cps.spi.Organization;
import java.security.KeyPair;
import java.security.Provider;
import java.security.Security;
import java.util.Base64;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.DefaultAlgorithmNameFinder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CsrFactoryTest {
  private static final KeyPair EC_KEYS = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);
  private final CsrFactory factory = new CsrFactory(TestPki.CRYPTO);

  static Stream<KeyType> keyTypes() {
    return Stream.of(KeyType.RSA_2048, KeyType.RSA_3072, KeyType.RSA_4096, KeyType.EC_P256, KeyType.EC_P384);
  }

  @ParameterizedTest
  @MethodSource("keyTypes")
  void csrHoldsEverySubjectFieldAndNameAndIsSignedByTheKey(KeyType keyType) throws Exception {
    KeyPair keys = TestPki.CRYPTO.generateKeyPair(keyType);

    CertificateSigningRequest csr = factory.create(TestPki.request(), keys, keyType);

    ParsedCsr parsed = ParsedCsr.parse(csr);
    assertThat(parsed.subject()).isEqualTo(new SubjectFields(
        "www.example.com", "Example Corp", "Web Team", "Springfield", "Illinois", "US"));
    assertThat(parsed.names()).containsExactly("www.example.com", "example.com", "api.example.com");
    assertThat(parsed.publicKeyInfo().getEncoded()).isEqualTo(keys.getPublic().getEncoded());
    assertThat(parsed.publicKey(TestPki.CRYPTO)).isEqualTo(keys.getPublic());
    assertThat(parsed.isSignatureValid(TestPki.CRYPTO)).isTrue();
    PKCS10CertificationRequest raw = new PKCS10CertificationRequest(csr.der());
    assertThat(new DefaultAlgorithmNameFinder().getAlgorithmName(raw.getSignatureAlgorithm()))
        .isEqualToIgnoringCase(keyType.signatureAlgorithm());
    assertThat(raw.getSubject()).hasToString(
        "C=US,ST=Illinois,L=Springfield,O=Example Corp,OU=Web Team,CN=www.example.com");
  }

  @Test
  void aCsrWithAnAlteredByteNoLongerVerifies() {
    byte[] der = factory.create(TestPki.request(), EC_KEYS, KeyType.EC_P256).der();
    der[der.length - 5] ^= 0x01;

    assertThat(ParsedCsr.parse(new CertificateSigningRequest(der)).isSignatureValid(TestPki.CRYPTO)).isFalse();
  }

  @Test
  void csrIsNotSignedByAnotherKeysPrivateHalf() {
    KeyPair other = TestPki.CRYPTO.generateKeyPair(KeyType.EC_P256);

    CertificateSigningRequest csr =
        factory.create(TestPki.request(), EC_KEYS.getPublic(), other.getPrivate(), KeyType.EC_P256);

    assertThat(ParsedCsr.parse(csr).isSignatureValid(TestPki.CRYPTO)).isFalse();
  }

  @Test
  void withoutOrganizationTheSubjectIsOnlyTheCommonName() {
    EnrollmentRequest request = EnrollmentRequest.builder().commonName("Shop.Example.org").build();

    ParsedCsr parsed = ParsedCsr.parse(factory.create(request, EC_KEYS, KeyType.EC_P256));

    assertThat(parsed.subject()).isEqualTo(new SubjectFields("Shop.Example.org", null, null, null, null, null));
    assertThat(parsed.names()).containsExactly("shop.example.org");
  }

  @Test
  void anOrganizationWithoutUnitHasNoOu() {
    Organization organization = TestPki.request().organization();
    EnrollmentRequest request = TestPki.request().toBuilder()
        .organization(new Organization(organization.name(), null, organization.street(), organization.city(),
            organization.region(), organization.postalCode(), organization.country(), organization.phone()))
        .build();

    SubjectFields subject = ParsedCsr.parse(factory.create(request, EC_KEYS, KeyType.EC_P256)).subject();

    assertThat(subject.organizationalUnit()).isNull();
    assertThat(subject.organization()).isEqualTo("Example Corp");
  }

  /**
   * A value is encoded as given: a leading {@code #} (hex-encoded DER to a string parser) or
   * {@code \} (an escape) is part of the name.
   */
  @Test
  void subjectValuesAreTakenLiterally() {
    Organization organization = TestPki.request().organization();
    EnrollmentRequest request = TestPki.request().toBuilder()
        .organization(new Organization("#1 Hosting GmbH", "\\Ops, Platform=1", organization.street(),
            "#0C03414243", organization.region(), organization.postalCode(), organization.country(),
            organization.phone()))
        .build();

    SubjectFields subject = ParsedCsr.parse(factory.create(request, EC_KEYS, KeyType.EC_P256)).subject();

    assertThat(subject.organization()).isEqualTo("#1 Hosting GmbH");
    assertThat(subject.organizationalUnit()).isEqualTo("\\Ops, Platform=1");
    assertThat(subject.locality()).isEqualTo("#0C03414243");
    assertThat(subject.country()).isEqualTo(organization.country());
  }

  @Test
  void aKeyOfAnotherTypeIsRefusedNamingBoth() {
    assertThatThrownBy(() -> factory.create(TestPki.request(), EC_KEYS, KeyType.EC_P384))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("EC-P384")
        .hasMessageContaining("EC-P256")
        .hasMessageNotContaining(Base64.getEncoder().encodeToString(EC_KEYS.getPrivate().getEncoded()));
  }

  @Test
  void worksWithTheJdksSunEcProvider() {
    Provider sunEc = Security.getProvider("SunEC");
    Crypto jdk = Crypto.of(sunEc);
    KeyPair keys = jdk.generateKeyPair(KeyType.EC_P384);

    CertificateSigningRequest csr = new CsrFactory(jdk).create(TestPki.request(), keys, KeyType.EC_P384);

    assertThat(keys.getPublic().getClass().getName()).startsWith("sun.security");
    assertThat(ParsedCsr.parse(csr).isSignatureValid(jdk)).isTrue();
    assertThat(ParsedCsr.parse(csr).publicKey(jdk)).isEqualTo(keys.getPublic());
    assertThat(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()))
        .isEqualTo(ParsedCsr.parse(csr).publicKeyInfo());
  }

  @Test
  void bouncyCastleIsSharedAndNeverRegisteredGlobally() {
    factory.create(TestPki.request(), EC_KEYS, KeyType.EC_P256);

    assertThat(Crypto.bouncyCastle()).isSameAs(TestPki.CRYPTO);
    assertThat(Crypto.bouncyCastle().provider().getName()).isEqualTo("BC");
    assertThat(Security.getProvider("BC")).isNull();
  }
}
