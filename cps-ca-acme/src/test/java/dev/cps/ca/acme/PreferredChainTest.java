package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.TestCsr;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pebble with {@code PEBBLE_ALTERNATE_ROOTS=1} issues each certificate under two roots and offers
 * the second chain as an alternate (RFC 8555 7.4.2): {@code preferredChain} picks the chain whose
 * top certificate is issued by the named root; an unknown name leaves the default chain.
 */
class PreferredChainTest {
  private static final InMemoryPrivateKeyStore KEYS = new InMemoryPrivateKeyStore();

  @TempDir static Path directory;
  private static AcmeFixture acme;

  @BeforeAll
  static void startPebble() {
    acme = AcmeFixture.start(directory, options -> options.environment("PEBBLE_ALTERNATE_ROOTS", "1"));
  }

  @AfterAll
  static void stopPebble() {
    if (acme != null) {
      acme.close();
    }
  }

  @Test
  void thePreferredRootsChainIsRetrieved() {
    String alternate = commonName(acme.pebble.roots(1).get(0).getSubjectX500Principal());

    CertificateChain chain = issue(acme.ca(KEYS, Clock.systemUTC()).preferredChain(alternate).build());

    assertThat(topIssuer(chain)).isEqualTo(alternate);
  }

  @Test
  void withoutAPreferenceOrWithAnUnknownOneTheDefaultChainIsRetrieved() {
    String standard = commonName(acme.pebble.roots(0).get(0).getSubjectX500Principal());

    assertThat(topIssuer(issue(acme.ca(KEYS, Clock.systemUTC()).build()))).isEqualTo(standard);
    assertThat(topIssuer(issue(acme.ca(KEYS, Clock.systemUTC()).preferredChain("No Such Root").build())))
        .isEqualTo(standard);
  }

  private static CertificateChain issue(CertificateAuthority ca) {
    TestCsr csr = TestCsr.forNames(AcmeFixture.name("chain"));
    OrderRequest request = csr.orderRequest(UUID.randomUUID().toString());
    OrderRef order = ca.submit(request);
    acme.awaitIssued(ca, order, () -> ca.status(order, request));
    CertificateChain chain = ca.retrieve(order);
    assertThat(chain.leaf().getPublicKey()).isEqualTo(csr.publicKey());
    return chain;
  }

  /** The issuer of the chain's last certificate: the root it leads to. */
  private static String topIssuer(CertificateChain chain) {
    List<X509Certificate> certificates = chain.certificates();
    return commonName(certificates.get(certificates.size() - 1).getIssuerX500Principal());
  }

  private static String commonName(X500Principal principal) {
    X500Name name = new X500Name(principal.getName());
    return IETFUtils.valueToString(name.getRDNs(BCStyle.CN)[0].getFirst().getValue());
  }
}
