package dev.cps.ca.acme;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.shredzone.acme4j.Certificate;

/**
 * Picks, among a certificate's chain and its alternates (RFC 8555 7.4.2), the one whose top
 * certificate is issued by the root of a given common name. acme4j's own {@code findCertificate}
 * compares the name with the issuer's whole distinguished name, which for a real root (a common
 * name beside an organization and a country) never matches.
 */
final class PreferredChains {
  private PreferredChains() {}

  static Optional<Certificate> issuedBy(Certificate certificate, String commonName) {
    return Stream.concat(Stream.of(certificate), certificate.getAlternateCertificates().stream())
        .filter(candidate -> topIssuedBy(candidate.getCertificateChain(), commonName))
        .findFirst();
  }

  /** Whether the chain's last certificate names {@code commonName} among its issuer's common names. */
  static boolean topIssuedBy(List<X509Certificate> chain, String commonName) {
    if (chain.isEmpty()) {
      return false;
    }
    X500Name issuer = X500Name.getInstance(chain.get(chain.size() - 1).getIssuerX500Principal().getEncoded());
    for (RDN rdn : issuer.getRDNs(BCStyle.CN)) {
      for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
        if (BCStyle.CN.equals(value.getType()) && commonName.equals(IETFUtils.valueToString(value.getValue()))) {
          return true;
        }
      }
    }
    return false;
  }
}
