package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.OrderRef;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority.Alteration;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.junit.jupiter.api.Test;

/** Each alteration is visible in the issued certificate, and only in the next one. */
class AlterationTest {
  private final MutableClock clock = MutableClock.at(Instant.parse("2026-06-01T00:00:00Z"));
  private final FakeCertificateAuthority ca = FakeCertificateAuthority.builder().clock(clock).build();
  private final TestCsr csr = TestCsr.forRequest(Requests.organization(ValidationType.OV));

  private CertificateChain issue(Alteration... alterations) {
    ca.alterNext(alterations);
    OrderRef order = ca.submit(csr.orderRequest("r-" + ca.submitCount()));
    clock.advance(Duration.ofDays(2));
    return ca.retrieve(order);
  }

  @Test
  void unalteredCertificateCopiesTheCsr() throws Exception {
    CertificateChain chain = issue();
    assertThat(subject(chain.leaf())).containsExactly(
        "C=DE", "ST=Berlin", "L=Berlin", "O=Example Widgets GmbH", "OU=Platform", "CN=www.example.com");
    assertThat(sans(chain.leaf())).containsExactly("www.example.com", "api.example.com");
    assertThat(chain.leaf().getPublicKey().getEncoded()).isEqualTo(csr.publicKey().getEncoded());
    assertThat(chain.leaf().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(chain.leaf().getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(chain.leaf().getKeyUsage()[2]).as("keyEncipherment, for RSA only").isFalse();
    assertThat(chain.leaf().getBasicConstraints()).isEqualTo(-1);
    assertThat(chain.leaf().getSerialNumber().bitLength()).isGreaterThan(120);
    chain.leaf().verify(ca.intermediateCertificate().getPublicKey());
    ca.intermediateCertificate().verify(ca.rootCertificate().getPublicKey());
  }

  @Test
  void dropOu() throws Exception {
    assertThat(subject(issue(Alteration.DROP_OU).leaf())).doesNotContain("OU=Platform").contains("CN=www.example.com");
    assertThat(subject(issue().leaf())).as("only the next certificate").contains("OU=Platform");
  }

  @Test
  void changeO() throws Exception {
    assertThat(subject(issue(Alteration.CHANGE_O).leaf()))
        .doesNotContain("O=Example Widgets GmbH").anyMatch(rdn -> rdn.startsWith("O=Example Widgets GmbH "));
  }

  @Test
  void addSan() throws Exception {
    assertThat(sans(issue(Alteration.ADD_SAN).leaf()))
        .containsExactly("www.example.com", "api.example.com", "extra.example.com");
  }

  @Test
  void dropSan() throws Exception {
    assertThat(sans(issue(Alteration.DROP_SAN).leaf())).containsExactly("www.example.com");
  }

  @Test
  void shortLifetime() {
    assertThat(issue(Alteration.SHORT_LIFETIME).lifetime()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void unsortedChain() {
    CertificateChain chain = issue(Alteration.UNSORTED_CHAIN);
    assertThat(chain.certificates()).hasSize(2).first().isEqualTo(ca.intermediateCertificate());
    assertThat(chain.certificates().get(1).getBasicConstraints()).isEqualTo(-1);
  }

  @Test
  void missingIntermediate() {
    CertificateChain chain = issue(Alteration.MISSING_INTERMEDIATE);
    assertThat(chain.certificates()).hasSize(1);
    assertThat(chain.leaf().getIssuerX500Principal()).isEqualTo(ca.intermediateCertificate().getSubjectX500Principal());
  }

  @Test
  void wrongKey() {
    X509Certificate leaf = issue(Alteration.WRONG_KEY).leaf();
    assertThat(leaf.getPublicKey().getEncoded()).isNotEqualTo(csr.publicKey().getEncoded());
    assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo(csr.publicKey().getAlgorithm());
  }

  @Test
  void severalAtOnce() throws Exception {
    CertificateChain chain = issue(Alteration.DROP_OU, Alteration.ADD_SAN, Alteration.MISSING_INTERMEDIATE);
    assertThat(subject(chain.leaf())).doesNotContain("OU=Platform");
    assertThat(sans(chain.leaf())).contains("extra.example.com");
    assertThat(chain.certificates()).hasSize(1);
  }

  @Test
  void extraNameUsesTheParentDomain() {
    assertThat(FakeIssuer.extraName("a.example.com")).isEqualTo("extra.example.com");
    assertThat(FakeIssuer.extraName("*.example.com")).isEqualTo("extra.example.com");
    assertThat(FakeIssuer.extraName("example.com")).isEqualTo("extra.example.com");
  }

  /** The subject's RDNs as {@code TYPE=value}, most significant first. */
  private static List<String> subject(X509Certificate certificate) throws InvalidNameException {
    return new LdapName(certificate.getSubjectX500Principal().getName()).getRdns().stream()
        .map(Rdn::toString).toList();
  }

  private static List<String> sans(X509Certificate certificate) throws CertificateParsingException {
    Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
    return sans == null ? List.of() : sans.stream().map(san -> (String) san.get(1)).toList();
  }
}
