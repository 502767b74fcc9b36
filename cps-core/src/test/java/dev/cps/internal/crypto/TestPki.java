package dev.cps.internal.crypto;

import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.Contact;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import dev.cps.spi.Organization;
import dev.cps.spi.ValidationType;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * A root, an intermediate and leaves made with BouncyCastle, for tests of this package only (the
 * testkit's fake CA depends on cps-core and cannot be used here). Certificates come back as the
 * JDK's own {@link X509Certificate}, as a CA client would parse them.
 */
final class TestPki {
  static final Crypto CRYPTO = Crypto.bouncyCastle();
  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  static final X500Name ROOT_NAME = new X500Name("C=US,O=Test PKI,CN=Test Root");
  static final X500Name INTERMEDIATE_NAME = new X500Name("C=US,O=Test PKI,CN=Test Intermediate");

  private static final AtomicLong SERIALS = new AtomicLong(1);

  final KeyPair rootKeys = CRYPTO.generateKeyPair(KeyType.EC_P256);
  final KeyPair intermediateKeys = CRYPTO.generateKeyPair(KeyType.EC_P256);
  final X509Certificate root = ca(ROOT_NAME, ROOT_NAME, rootKeys.getPublic(), rootKeys.getPrivate());
  final X509Certificate intermediate =
      ca(ROOT_NAME, INTERMEDIATE_NAME, intermediateKeys.getPublic(), rootKeys.getPrivate());

  /** An OV request with every subject field, and two names besides the CN. */
  static EnrollmentRequest request() {
    return EnrollmentRequest.builder()
        .commonName("www.example.com")
        .subjectAlternativeNames(List.of("example.com", "api.example.com"))
        .validationType(ValidationType.OV)
        .organization(new Organization(
            "Example Corp", "Web Team", "1 Main St", "Springfield", "Illinois", "62701", "US", "+1 217 555 0100"))
        .adminContact(new Contact("Ada", "Admin", "ada@example.com", "+1 217 555 0101"))
        .techContact(new Contact("Tom", "Tech", "tom@provider.example", "+1 217 555 0102"))
        .build();
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A leaf for the CSR's subject and names, issued by the intermediate; change what a test needs. */
  Leaf leaf(CertificateSigningRequest csr, PublicKey publicKey) {
    return new Leaf(csr, publicKey);
  }

  X509Certificate ca(X500Name issuer, X500Name subject, PublicKey publicKey, PrivateKey signingKey) {
    try {
      X509v3CertificateBuilder builder = builder(issuer, subject, publicKey,
          NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650)));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return sign(builder, signingKey);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, PublicKey publicKey, Instant notBefore, Instant notAfter) {
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.getAndIncrement()),
        Date.from(notBefore), Date.from(notAfter), subject, publicKey);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey) throws Exception {
    String algorithm = signingKey.getAlgorithm().startsWith("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder(algorithm).setProvider(CRYPTO.provider()).build(signingKey)));
  }

  /** The fields of a leaf certificate, defaulting to exactly what the CSR asks for. */
  final class Leaf {
    private X500Name subject;
    private List<String> names;
    private PublicKey publicKey;
    private X500Name issuer = INTERMEDIATE_NAME;
    private PrivateKey signingKey = intermediateKeys.getPrivate();
    private Instant notBefore = NOW.minus(Duration.ofHours(1));
    private Instant notAfter = NOW.plus(Duration.ofDays(90));
    private @Nullable Integer keyUsage = KeyUsage.digitalSignature;
    private @Nullable KeyPurposeId extendedKeyUsage = KeyPurposeId.id_kp_serverAuth;

    private Leaf(CertificateSigningRequest csr, PublicKey publicKey) {
      try {
        this.subject = new PKCS10CertificationRequest(csr.der()).getSubject();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      this.names = ParsedCsr.parse(csr).names();
      this.publicKey = publicKey;
    }

    Leaf subject(String subject) {
      this.subject = new X500Name(subject);
      return this;
    }

    Leaf names(String... names) {
      this.names = List.of(names);
      return this;
    }

    Leaf publicKey(PublicKey publicKey) {
      this.publicKey = publicKey;
      return this;
    }

    /** Signs with another key while still naming the intermediate as issuer. */
    Leaf signedBy(PrivateKey signingKey) {
      this.signingKey = signingKey;
      return this;
    }

    Leaf validity(Instant notBefore, Instant notAfter) {
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      return this;
    }

    Leaf keyUsage(@Nullable Integer keyUsage) {
      this.keyUsage = keyUsage;
      return this;
    }

    Leaf extendedKeyUsage(@Nullable KeyPurposeId extendedKeyUsage) {
      this.extendedKeyUsage = extendedKeyUsage;
      return this;
    }

    X509Certificate build() {
      try {
        X509v3CertificateBuilder builder = builder(issuer, subject, publicKey, notBefore, notAfter);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        GeneralName[] dns = names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(dns));
        if (keyUsage != null) {
          builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        }
        if (extendedKeyUsage != null) {
          builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsage));
        }
        return sign(builder, signingKey);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
