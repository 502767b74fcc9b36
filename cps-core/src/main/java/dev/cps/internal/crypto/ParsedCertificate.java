package dev.cps.internal.crypto;

import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jspecify.annotations.Nullable;

/**
 * One certificate parsed once by BouncyCastle, with what verification asks of it more than once.
 * Signatures are checked on the original {@link X509Certificate}, over its original bytes.
 */
final class ParsedCertificate {
  private final X509Certificate certificate;
  private final X509CertificateHolder holder;
  private final byte[] encoded;
  private final byte[] publicKeyInfo;
  private @Nullable String fingerprint;

  private ParsedCertificate(X509Certificate certificate, byte[] encoded) throws IOException {
    this.certificate = certificate;
    this.encoded = encoded;
    this.holder = new X509CertificateHolder(encoded);
    this.publicKeyInfo = holder.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER);
  }

  static ParsedCertificate parse(X509Certificate certificate) {
    try {
      return new ParsedCertificate(certificate, certificate.getEncoded());
    } catch (CertificateEncodingException | IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "certificate " + certificate.getSubjectX500Principal() + " cannot be parsed", e);
    }
  }

  X509Certificate certificate() {
    return certificate;
  }

  X500Name subject() {
    return holder.getSubject();
  }

  X500Name issuer() {
    return holder.getIssuer();
  }

  boolean isSelfIssued() {
    return holder.getSubject().equals(holder.getIssuer());
  }

  /** True only with a basic constraints extension that says CA; v1 roots have none. */
  boolean isCa() {
    Extensions extensions = holder.getExtensions();
    BasicConstraints constraints = extensions == null ? null : BasicConstraints.fromExtensions(extensions);
    return constraints != null && constraints.isCA();
  }

  /** False only when basic constraints are present and deny being a CA. */
  boolean mayBeCa() {
    Extensions extensions = holder.getExtensions();
    BasicConstraints constraints = extensions == null ? null : BasicConstraints.fromExtensions(extensions);
    return constraints == null || constraints.isCA();
  }

  boolean hasPublicKey(byte[] subjectPublicKeyInfo) {
    return Arrays.equals(publicKeyInfo, subjectPublicKeyInfo);
  }

  String publicKeyFingerprint() {
    return Fingerprints.sha256(publicKeyInfo);
  }

  /** SHA-256 of the whole certificate, signature included. */
  String fingerprint() {
    String value = fingerprint;
    if (value == null) {
      value = Fingerprints.sha256(encoded);
      fingerprint = value;
    }
    return value;
  }

  SubjectFields subjectFields() {
    return SubjectFields.of(holder.getSubject());
  }

  List<String> dnsNames() {
    return GeneralNamesReader.dnsNames(holder.getExtensions());
  }

  /** From the certificate object, which has parsed its dates once; the holder would parse again. */
  Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  @Nullable KeyUsage keyUsage() {
    Extensions extensions = holder.getExtensions();
    return extensions == null ? null : KeyUsage.fromExtensions(extensions);
  }

  @Nullable ExtendedKeyUsage extendedKeyUsage() {
    Extensions extensions = holder.getExtensions();
    return extensions == null ? null : ExtendedKeyUsage.fromExtensions(extensions);
  }

  @Override
  public String toString() {
    return holder.getSubject().toString();
  }
}
