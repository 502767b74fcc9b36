package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * A real root's name holds more than its common name ({@code CN=ISRG Root X1, O=Internet Security
 * Research Group, C=US}): the preferred chain is matched on the issuer's common name alone.
 */
class PreferredChainsTest {
  @Test
  void theTopIssuerIsMatchedByItsCommonNameBesideOtherAttributes() throws Exception {
    List<X509Certificate> chain =
        List.of(issuedBy("CN=ISRG Root X1, O=Internet Security Research Group, C=US"));

    assertThat(PreferredChains.topIssuedBy(chain, "ISRG Root X1")).isTrue();
    assertThat(PreferredChains.topIssuedBy(chain, "ISRG Root X2")).isFalse();
    assertThat(PreferredChains.topIssuedBy(chain, "Internet Security Research Group")).isFalse();
    assertThat(PreferredChains.topIssuedBy(List.of(), "ISRG Root X1")).isFalse();
  }

  /** A certificate whose issuer is the given name (self-signed under it, which is all that matters here). */
  private static X509Certificate issuedBy(String issuer) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    KeyPair key = generator.generateKeyPair();
    Instant now = Instant.parse("2026-01-05T09:00:00Z");
    X500Name name = new X500Name(issuer);
    var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(now),
        Date.from(now.plus(1, ChronoUnit.DAYS)), name, key.getPublic());
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
  }
}
