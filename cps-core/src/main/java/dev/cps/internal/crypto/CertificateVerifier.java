package dev.cps.internal.crypto;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.jspecify.annotations.Nullable;

/**
 * Checks an issued certificate against the stored key, the CSR and the enrollment (step 6 of the
 * workflow). A difference the host may accept is a {@link Warning}; a certificate that can never
 * be served (another key, already expired) is {@link Verification#fatal()}. Each certificate is
 * parsed once per call; no PKIX path validation, whose trust decisions belong to the clients.
 *
 * <p>Thread-safe; keep one instance, so the links between a CA's intermediates and roots are
 * verified once and not for every certificate.
 */
public final class CertificateVerifier {
  public static final Duration DEFAULT_MINIMUM_LIFETIME = Duration.ofDays(3);
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  private static final int PARSED_CA_LIMIT = 256;

  private final Duration minimumLifetime;
  private final TrustChain trustChain;
  private final Map<X509Certificate, ParsedCertificate> parsedCas = new ConcurrentHashMap<>();

  public CertificateVerifier(Crypto crypto) {
    this(crypto, DEFAULT_MINIMUM_LIFETIME);
  }

  /** @param minimumLifetime a certificate valid for less than this from now is a warning */
  public CertificateVerifier(Crypto crypto, Duration minimumLifetime) {
    Objects.requireNonNull(crypto, "crypto");
    Objects.requireNonNull(minimumLifetime, "minimumLifetime");
    if (minimumLifetime.isNegative()) {
      throw new IllegalArgumentException("minimumLifetime must not be negative, was " + minimumLifetime);
    }
    this.minimumLifetime = minimumLifetime;
    this.trustChain = new TrustChain(crypto);
  }

  /**
   * @param chain the chain as the CA returned it, in any order
   * @param csr the CSR that was submitted
   * @param storedPublicKey the public key of the key pair in the key store
   * @param submitted the enrollment as it was when the CSR was submitted
   * @param current the enrollment as it is now
   * @param now the engine clock's instant
   * @throws IllegalArgumentException if the CSR is not a PKCS#10 request or the stored key has no
   *     encoding
   */
  public Verification verify(
      CertificateChain chain,
      CertificateSigningRequest csr,
      PublicKey storedPublicKey,
      EnrollmentRequest submitted,
      EnrollmentRequest current,
      Instant now) {
    byte[] storedKey = storedPublicKey.getEncoded();
    if (storedKey == null) {
      throw new IllegalArgumentException("the stored public key (" + storedPublicKey.getAlgorithm()
          + ") has no encoding to compare the certificate's key with");
    }
    ParsedCsr parsedCsr = ParsedCsr.parse(csr);
    List<ParsedCertificate> certificates = new ArrayList<>(chain.certificates().size());
    for (X509Certificate certificate : chain.certificates()) {
      try {
        certificates.add(parse(certificate));
      } catch (IllegalArgumentException e) {
        return new Verification(chain, List.of(), e.getMessage());
      }
    }
    int leafIndex = leafIndex(certificates, storedKey);
    ParsedCertificate leaf = certificates.get(leafIndex);
    List<String> fatal = new ArrayList<>(2);
    List<Warning> warnings = new ArrayList<>();

    if (!leaf.hasPublicKey(storedKey)) {
      fatal.add("the certificate's public key (SHA-256 " + leaf.publicKeyFingerprint()
          + ") is not the stored key (SHA-256 " + Fingerprints.sha256(storedKey) + "): it can never be served");
    }
    CsrComparison.compare(parsedCsr, leaf, warnings);
    TrustChain.Checked checked = trustChain.check(certificates, leafIndex);
    warnings.addAll(checked.warnings());
    validity(leaf, now, warnings, fatal);
    keyUsage(leaf, warnings);
    EnrollmentDrift.between(submitted, current).ifPresent(warnings::add);

    List<X509Certificate> sorted = checked.sorted().stream().map(ParsedCertificate::certificate).toList();
    return new Verification(
        new CertificateChain(sorted), warnings, fatal.isEmpty() ? null : String.join("; ", fatal));
  }

  /**
   * Parses a certificate, or takes the CA certificate parsed before: the same intermediates come
   * with every certificate a CA issues. Leaves are never kept.
   */
  private ParsedCertificate parse(X509Certificate certificate) {
    ParsedCertificate known = parsedCas.get(certificate);
    if (known != null) {
      return known;
    }
    ParsedCertificate parsed = ParsedCertificate.parse(certificate);
    if (parsed.isCa()) {
      if (parsedCas.size() >= PARSED_CA_LIMIT) {
        parsedCas.clear();
      }
      parsedCas.put(certificate, parsed);
    }
    return parsed;
  }

  /** How many signatures this verifier has checked; tests use it to see the link cache work. */
  long signatureVerifications() {
    return trustChain.signatureVerifications();
  }

  /** The certificate with the stored key; failing that the first that is not a CA, or the first. */
  private static int leafIndex(List<ParsedCertificate> certificates, byte[] storedKey) {
    for (int i = 0; i < certificates.size(); i++) {
      if (certificates.get(i).hasPublicKey(storedKey)) {
        return i;
      }
    }
    for (int i = 0; i < certificates.size(); i++) {
      if (!certificates.get(i).isCa()) {
        return i;
      }
    }
    return 0;
  }

  private void validity(ParsedCertificate leaf, Instant now, List<Warning> warnings, List<String> fatal) {
    Instant notBefore = leaf.notBefore();
    Instant notAfter = leaf.notAfter();
    if (notBefore.isAfter(now.plus(CLOCK_SKEW))) {
      warnings.add(new Warning(WarningCode.CERTIFICATE_NOT_YET_VALID,
          "the certificate is valid from " + notBefore + ", later than now (" + now + ")"));
    }
    if (!notAfter.isAfter(now)) {
      fatal.add("certificate already expired at " + notAfter);
    } else if (Duration.between(now, notAfter).compareTo(minimumLifetime) < 0) {
      warnings.add(new Warning(WarningCode.CERTIFICATE_EXPIRATION_TOO_SHORT,
          "the certificate expires at " + notAfter + ", in " + Duration.between(now, notAfter)
              + ", less than the minimum of " + minimumLifetime));
    }
  }

  private static void keyUsage(ParsedCertificate leaf, List<Warning> warnings) {
    @Nullable KeyUsage keyUsage = leaf.keyUsage();
    if (keyUsage != null && !keyUsage.hasUsages(KeyUsage.digitalSignature)) {
      warnings.add(new Warning(WarningCode.CERTIFICATE_KEY_USAGE_UNSUITABLE,
          "the key usage lacks digitalSignature, which a TLS server needs"));
    }
    @Nullable ExtendedKeyUsage extendedKeyUsage = leaf.extendedKeyUsage();
    if (extendedKeyUsage != null && !extendedKeyUsage.hasKeyPurposeId(KeyPurposeId.id_kp_serverAuth)) {
      warnings.add(new Warning(WarningCode.CERTIFICATE_KEY_USAGE_UNSUITABLE,
          "the extended key usage lacks serverAuth, so clients will refuse it for a TLS server"));
    }
  }

  @Override
  public String toString() {
    return "CertificateVerifier[minimumLifetime=" + minimumLifetime + "]";
  }
}
