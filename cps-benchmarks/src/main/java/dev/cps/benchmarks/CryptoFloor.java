package dev.cps.benchmarks;

import dev.cps.internal.crypto.Crypto;
import dev.cps.internal.crypto.CsrFactory;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The crypto-only floor of one enrollment: the cryptography the engine path does, and nothing
 * around it. The key pair is generated ({@code InMemoryPrivateKeyStore}); the CSR is built and
 * signed by the engine's own {@link CsrFactory}; the CSR's signature is verified and the leaf
 * signed by an EC P-256 issuing CA with the same extensions ({@code FakeCertificateAuthority});
 * the leaf's signature is verified once with the issuer's key, decoded once as the provider's own
 * key ({@code CertificateVerifier}, whose cache spares every link above the leaf). Every JCA
 * object comes from the one provider given, which is registered nowhere. Thread-safe.
 */
final class CryptoFloor {
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Duration LIFETIME = Duration.ofDays(90);

  private final Provider provider;
  private final CsrFactory csrs;
  private final SecureRandom random = new SecureRandom();
  private final JcaX509CertificateConverter converter;
  private final PrivateKey issuerKey;
  private final X509Certificate issuer;
  private final PublicKey issuerVerificationKey;

  /** Creates the issuing CA; none of this is timed. */
  CryptoFloor(Provider provider) {
    this.provider = provider;
    this.csrs = new CsrFactory(Crypto.of(provider));
    // Certificates are parsed by the JDK's own X.509 factory, as the fake CA hands them out.
    this.converter = new JcaX509CertificateConverter();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      KeyPair issuerKeys = keyPair();
      this.issuerKey = issuerKeys.getPrivate();
      X500Name name = new X500Name("CN=CPS Benchmark Issuing CA,O=CPS benchmarks");
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(Fixture.START),
          Date.from(Fixture.START.plus(Duration.ofDays(3650))), name, issuerKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          extensions.createSubjectKeyIdentifier(issuerKeys.getPublic()));
      this.issuer = sign(builder);
      this.issuerVerificationKey = KeyFactory.getInstance("EC", provider)
          .generatePublic(new X509EncodedKeySpec(issuer.getPublicKey().getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("the floor's issuing CA could not be created with " + provider.getName(), e);
    }
  }

  String providerName() {
    return provider.getName();
  }

  /** Keys, CSR, the CA's verification and signature, the leaf's verification: one enrollment. */
  void enroll(EnrollmentRequest request) {
    try {
      KeyPair keys = keyPair();
      CertificateSigningRequest csr = csrs.create(request, keys, KeyType.EC_P256);

      JcaPKCS10CertificationRequest received = new JcaPKCS10CertificationRequest(csr.der()).setProvider(provider);
      PublicKey subjectKey = received.getPublicKey();
      if (!received.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(provider).build(subjectKey))) {
        throw new IllegalStateException("the CSR of " + request.commonName() + " does not verify");
      }
      X509Certificate leaf = sign(leafBuilder(received, subjectKey));

      leaf.verify(issuerVerificationKey, provider);
    } catch (GeneralSecurityException | IOException | OperatorCreationException | PKCSException e) {
      throw new IllegalStateException("the floor failed for " + request.commonName() + " with " + provider.getName(), e);
    }
  }

  /** The leaf as the fake CA builds it: the CSR's subject, key and names; TLS server usages. */
  private X509v3CertificateBuilder leafBuilder(JcaPKCS10CertificationRequest csr, PublicKey key)
      throws GeneralSecurityException, IOException {
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(Fixture.START),
        Date.from(Fixture.START.plus(LIFETIME)), csr.getSubject(), key);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    builder.addExtension(Extension.subjectAlternativeName, false,
        GeneralNames.fromExtensions(csr.getRequestedExtensions(), Extension.subjectAlternativeName));
    // One per certificate, as the fake CA does: the utility wraps a single digest, not thread-safe.
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key));
    builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(issuer));
    return builder;
  }

  private X509Certificate sign(X509v3CertificateBuilder builder) throws GeneralSecurityException {
    try {
      return converter.getCertificate(
          builder.build(new JcaContentSignerBuilder(SIGNATURE).setProvider(provider).build(issuerKey)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign with " + SIGNATURE, e);
    }
  }

  /** A fresh generator per key, as the key store makes one per key. */
  private KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", provider);
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private BigInteger serial() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x40;
    return new BigInteger(bytes);
  }
}
