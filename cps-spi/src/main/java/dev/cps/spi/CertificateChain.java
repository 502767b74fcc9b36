package dev.cps.spi;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * An issued certificate with the intermediates that lead to its root, leaf first. Public material
 * only.
 */
public record CertificateChain(List<X509Certificate> certificates) {
  public CertificateChain {
    certificates = List.copyOf(Objects.requireNonNull(certificates, "certificates"));
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain needs at least the leaf");
    }
  }

  public static CertificateChain of(X509Certificate... certificates) {
    return new CertificateChain(List.of(certificates));
  }

  public X509Certificate leaf() {
    return certificates.get(0);
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  public Duration lifetime() {
    return Duration.between(notBefore(), notAfter());
  }

  /** The leaf's serial number in hexadecimal. */
  public String serialNumber() {
    return leaf().getSerialNumber().toString(16);
  }

  /** The SHA-256 fingerprint of the leaf's DER encoding, in lower-case hexadecimal. */
  public String fingerprint() {
    return fingerprint(leaf());
  }

  /** The SHA-256 fingerprint of a certificate's DER encoding, in lower-case hexadecimal. */
  public static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("a parsed certificate could not be encoded again", e);
    }
  }

  /** The whole chain as concatenated PEM blocks, leaf first. */
  public String pem() {
    StringBuilder pem = new StringBuilder();
    Base64.Encoder encoder = Base64.getMimeEncoder(64, new byte[] {'\n'});
    for (X509Certificate certificate : certificates) {
      try {
        pem.append("-----BEGIN CERTIFICATE-----\n")
            .append(encoder.encodeToString(certificate.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("a parsed certificate could not be encoded again", e);
      }
    }
    return pem.toString();
  }

  @Override
  public String toString() {
    return "CertificateChain[serial=" + serialNumber() + ", subject=" + leaf().getSubjectX500Principal().getName()
        + ", notAfter=" + notAfter() + ", length=" + certificates.size() + "]";
  }
}
