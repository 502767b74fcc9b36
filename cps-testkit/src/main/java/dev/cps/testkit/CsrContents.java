package dev.cps.testkit;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CertificateSigningRequest;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.jspecify.annotations.Nullable;

/**
 * What the fake CA takes from a CSR, read the way a real CA reads it: the signature must verify
 * with the CSR's own key, the names come from the extension request, and the CN stands in only
 * when there is no SAN.
 */
record CsrContents(X500Name subject, PublicKey publicKey, List<String> dnsNames) {
  static final String BAD_CSR = "urn:ietf:params:acme:error:badCSR";

  CsrContents {
    dnsNames = List.copyOf(dnsNames);
  }

  /** Parses and verifies the CSR; anything a CA would refuse is a {@link CaRejectedException}. */
  static CsrContents read(CertificateSigningRequest csr, Provider provider) {
    JcaPKCS10CertificationRequest request;
    try {
      request = new JcaPKCS10CertificationRequest(csr.der()).setProvider(provider);
    } catch (IOException | RuntimeException e) {
      throw new CaRejectedException("the CSR is not a DER-encoded PKCS#10 request", BAD_CSR, e);
    }
    try {
      PublicKey key = request.getPublicKey();
      boolean valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(provider).build(key));
      if (!valid) {
        throw new CaRejectedException("the CSR's signature does not verify with the CSR's public key", BAD_CSR, null);
      }
      List<String> names = dnsNames(request.getRequestedExtensions());
      X500Name subject = request.getSubject();
      if (names.isEmpty()) {
        RDN[] cn = subject.getRDNs(BCStyle.CN);
        if (cn.length > 0) {
          names.add(IETFUtils.valueToString(cn[0].getFirst().getValue()));
        }
      }
      if (names.isEmpty()) {
        throw new CaRejectedException("the CSR names no DNS name, neither as SAN nor as CN", BAD_CSR, null);
      }
      return new CsrContents(subject, key, names);
    } catch (OperatorCreationException | PKCSException | GeneralSecurityException e) {
      throw new CaRejectedException("the CSR's key or signature cannot be read: " + e.getMessage(), BAD_CSR, e);
    }
  }

  private static List<String> dnsNames(@Nullable Extensions extensions) {
    List<String> names = new ArrayList<>();
    @Nullable GeneralNames sans = extensions == null ? null : GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
    if (sans != null) {
      for (GeneralName name : sans.getNames()) {
        if (name.getTagNo() == GeneralName.dNSName) {
          names.add(((ASN1String) name.getName()).getString());
        }
      }
    }
    return names;
  }
}
