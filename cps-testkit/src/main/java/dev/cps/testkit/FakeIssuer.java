package dev.cps.testkit;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority.Alteration;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * The signing half of the fake CA: a root and an intermediate of its own (EC P-256), and leaf
 * certificates built from a CSR the way a public CA builds them, with the scripted
 * {@link Alteration}s applied so that tests can provoke every post-verification warning.
 */
final class FakeIssuer {
  private static final Set<ASN1ObjectIdentifier> SUBJECT_TYPES =
      Set.of(BCStyle.CN, BCStyle.O, BCStyle.OU, BCStyle.L, BCStyle.ST, BCStyle.C);
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Duration CA_LIFETIME = Duration.ofDays(30 * 365);

  private final Provider provider;
  private final SecureRandom random = new SecureRandom();
  private final KeyPair intermediateKeys;
  private final X509Certificate root;
  private final X509Certificate intermediate;

  private static X500Name caName(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).addRDN(BCStyle.O, "CPS testkit")
        .build();
  }

  FakeIssuer(String name, Instant now, Provider provider) {
    this.provider = provider;
    try {
      KeyPair rootKeys = ecKeyPair();
      intermediateKeys = ecKeyPair();
      // Backdated a day, as real CAs do, so a certificate is valid on machines whose clocks lag.
      Instant from = now.truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(1));
      Instant to = from.plus(CA_LIFETIME);
      // Built, not parsed, so that an id with a comma or an equals sign stays in the CN.
      X500Name rootName = caName("CPS Fake Root CA (" + name + ")");
      X509v3CertificateBuilder rootBuilder = new JcaX509v3CertificateBuilder(
          rootName, serial(), Date.from(from), Date.from(to), rootName, rootKeys.getPublic());
      caExtensions(rootBuilder, rootKeys.getPublic(), null, -1);
      root = sign(rootBuilder, rootKeys.getPrivate());
      X509v3CertificateBuilder intermediateBuilder = new JcaX509v3CertificateBuilder(
          root, serial(), Date.from(from), Date.from(to),
          caName("CPS Fake Intermediate CA (" + name + ")"), intermediateKeys.getPublic());
      caExtensions(intermediateBuilder, intermediateKeys.getPublic(), root, 0);
      intermediate = sign(intermediateBuilder, rootKeys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("the fake CA could not create its root and intermediate with "
          + provider.getName(), e);
    }
  }

  X509Certificate root() {
    return root;
  }

  X509Certificate intermediate() {
    return intermediate;
  }

  /**
   * Signs a leaf for the CSR, valid from {@code notBefore} for {@code lifetime}, altered as asked.
   * A DV certificate names no organization (a public CA vouches only for the names): its subject is
   * the CSR's CN alone. Thread-safe: the CA signs outside its lock so that concurrent orders sign
   * in parallel.
   */
  CertificateChain issue(CsrContents csr, ValidationType type, Set<Alteration> alterations, Instant notBefore,
      Duration lifetime) {
    Instant from = notBefore.truncatedTo(ChronoUnit.SECONDS);
    PublicKey key = alterations.contains(Alteration.WRONG_KEY) ? freshKeyLike(csr.publicKey()) : csr.publicKey();
    X500Name subject = subject(csr.subject(), type == ValidationType.DV, alterations);
    List<String> names = names(csr.dnsNames(), alterations);
    X509Certificate leaf;
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          intermediate, serial(), Date.from(from), Date.from(from.plus(lifetime)), subject, key);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      int usage = KeyUsage.digitalSignature | ("RSA".equals(key.getAlgorithm()) ? KeyUsage.keyEncipherment : 0);
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      if (!names.isEmpty()) {
        GeneralName[] sans = names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new);
        // RFC 5280 4.2.1.6: the SAN extension is critical when the subject is empty.
        builder.addExtension(Extension.subjectAlternativeName, subject.getRDNs().length == 0, new GeneralNames(sans));
      }
      // One per call: the utility wraps a single digest and is not thread-safe.
      JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.subjectKeyIdentifier, false, extensionUtils.createSubjectKeyIdentifier(key));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          extensionUtils.createAuthorityKeyIdentifier(intermediate));
      leaf = sign(builder, intermediateKeys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("the fake CA could not sign a certificate for " + csr.dnsNames(), e);
    }
    if (alterations.contains(Alteration.MISSING_INTERMEDIATE)) {
      return CertificateChain.of(leaf);
    }
    if (alterations.contains(Alteration.UNSORTED_CHAIN)) {
      return CertificateChain.of(intermediate, leaf);
    }
    return CertificateChain.of(leaf, intermediate);
  }

  /**
   * The CSR's subject reduced to the attributes a CA vouches for, in the CSR's order: for DV, the
   * common name alone.
   */
  private static X500Name subject(X500Name requested, boolean domainOnly, Set<Alteration> alterations) {
    X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
    boolean hasOrganization = false;
    for (RDN rdn : requested.getRDNs()) {
      AttributeTypeAndValue attribute = rdn.getFirst();
      ASN1ObjectIdentifier type = attribute.getType();
      if (!SUBJECT_TYPES.contains(type) || (type.equals(BCStyle.OU) && alterations.contains(Alteration.DROP_OU))
          || (domainOnly && !type.equals(BCStyle.CN))) {
        continue;
      }
      if (type.equals(BCStyle.O)) {
        hasOrganization = true;
        if (alterations.contains(Alteration.CHANGE_O)) {
          builder.addRDN(BCStyle.O, new DERUTF8String(attribute.getValue() + " (altered by the fake CA)"));
          continue;
        }
      }
      builder.addRDN(type, attribute.getValue());
    }
    if (!hasOrganization && alterations.contains(Alteration.CHANGE_O)) {
      builder.addRDN(BCStyle.O, new DERUTF8String("Organization added by the fake CA"));
    }
    return builder.build();
  }

  private static List<String> names(List<String> requested, Set<Alteration> alterations) {
    List<String> names = new ArrayList<>(requested);
    if (alterations.contains(Alteration.DROP_SAN) && !names.isEmpty()) {
      names.remove(names.size() - 1);
    }
    if (alterations.contains(Alteration.ADD_SAN)) {
      names.add(extraName(requested.get(0)));
    }
    return names;
  }

  /** {@code extra.} under the first name's parent domain: {@code a.example.com -> extra.example.com}. */
  static String extraName(String first) {
    String name = first.startsWith("*.") ? first.substring(2) : first;
    String[] labels = name.split("\\.");
    String domain = labels.length > 2 ? name.substring(name.indexOf('.') + 1) : name;
    return "extra." + domain;
  }

  private void caExtensions(X509v3CertificateBuilder builder, PublicKey key, @Nullable X509Certificate issuer,
      int pathLength) throws IOException, GeneralSecurityException {
    JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true,
        pathLength < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLength));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key));
    builder.addExtension(Extension.authorityKeyIdentifier, false,
        issuer == null ? utils.createAuthorityKeyIdentifier(key) : utils.createAuthorityKeyIdentifier(issuer));
  }

  private X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
    try {
      // Signed with the configured provider, parsed by the JDK's own certificate factory: what a
      // host gets from a real CA through acme4j or an HTTP client.
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).setProvider(provider).build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign with " + SIGNATURE, e);
    }
  }

  /** A key of the CSR key's algorithm that nobody asked for: what {@link Alteration#WRONG_KEY} certifies. */
  private PublicKey freshKeyLike(PublicKey requested) {
    try {
      if ("RSA".equals(requested.getAlgorithm())) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA", provider);
        generator.initialize(2048, random);
        return generator.generateKeyPair().getPublic();
      }
      return ecKeyPair().getPublic();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the fake CA could not generate a substitute key", e);
    }
  }

  private KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", provider);
    generator.initialize(new ECGenParameterSpec("secp256r1"), random);
    return generator.generateKeyPair();
  }

  /** A random positive serial of 16 bytes, as the CA/Browser Forum asks (at least 64 random bits). */
  private BigInteger serial() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x40;
    return new BigInteger(bytes);
  }
}
