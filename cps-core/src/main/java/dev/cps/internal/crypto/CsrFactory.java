package dev.cps.internal.crypto;

import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import dev.cps.spi.Organization;
import java.io.IOException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Builds the PKCS#10 CSR of an enrollment: subject CN, and O, OU, L, ST, C when the request has an
 * organization; every name of the request as a DNS subject alternative name.
 */
public final class CsrFactory {
  private final Crypto crypto;

  public CsrFactory(Crypto crypto) {
    this.crypto = Objects.requireNonNull(crypto, "crypto");
  }

  public CertificateSigningRequest create(EnrollmentRequest request, KeyPair keys, KeyType keyType) {
    return create(request, keys.getPublic(), keys.getPrivate(), keyType);
  }

  /**
   * @param keyType the type of this key pair, which for a dual-stack enrollment is not the
   *     request's own {@link EnrollmentRequest#keyType()}
   * @throws IllegalArgumentException if the public key is not of {@code keyType}
   */
  public CertificateSigningRequest create(
      EnrollmentRequest request, PublicKey publicKey, PrivateKey privateKey, KeyType keyType) {
    checkKeyType(publicKey, keyType);
    try {
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(Extension.subjectAlternativeName, false, dnsNames(request.names()));
      ContentSigner signer = new JcaContentSignerBuilder(keyType.signatureAlgorithm())
          .setProvider(crypto.provider())
          .build(privateKey);
      return new CertificateSigningRequest(
          new JcaPKCS10CertificationRequestBuilder(subject(request), publicKey)
              .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
              .build(signer)
              .getEncoded());
    } catch (OperatorCreationException e) {
      throw new IllegalStateException(
          "provider " + crypto.provider().getName() + " cannot sign with " + keyType.signatureAlgorithm(), e);
    } catch (IOException e) {
      throw new IllegalStateException("could not encode the CSR for " + request.commonName(), e);
    }
  }

  /**
   * Most significant attribute first, as CAs and browsers print them: C, ST, L, O, OU, CN. Each
   * value is encoded as given (C as a PrintableString, the rest as UTF8String), not parsed as a
   * string representation, where a leading {@code #} would mean hex-encoded DER and a {@code \}
   * an escape: "#1 Hosting GmbH" is an organization's name.
   */
  static X500Name subject(EnrollmentRequest request) {
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE);
    @Nullable Organization organization = request.organization();
    if (organization != null) {
      name.addRDN(BCStyle.C, new DERPrintableString(organization.country()));
      name.addRDN(BCStyle.ST, new DERUTF8String(organization.region()));
      name.addRDN(BCStyle.L, new DERUTF8String(organization.city()));
      name.addRDN(BCStyle.O, new DERUTF8String(organization.name()));
      if (organization.unit() != null) {
        name.addRDN(BCStyle.OU, new DERUTF8String(organization.unit()));
      }
    }
    name.addRDN(BCStyle.CN, new DERUTF8String(request.commonName()));
    return name.build();
  }

  private static GeneralNames dnsNames(List<String> names) {
    GeneralName[] general = new GeneralName[names.size()];
    for (int i = 0; i < general.length; i++) {
      general[i] = new GeneralName(GeneralName.dNSName, names.get(i));
    }
    return new GeneralNames(general);
  }

  private static void checkKeyType(PublicKey key, KeyType keyType) {
    String actual = describe(key);
    if (!actual.equals(keyType.toString())) {
      throw new IllegalArgumentException("keyType " + keyType + " does not match the public key, which is " + actual);
    }
  }

  /** Whether the CSR asks for a certificate of this public key. */
  public static boolean isFor(CertificateSigningRequest csr, PublicKey key) {
    return ParsedCsr.parse(csr).publicKeyInfo().equals(SubjectPublicKeyInfo.getInstance(key.getEncoded()));
  }

  /** Describes a public key in {@link KeyType#toString()} form, such as {@code RSA-2048}. */
  public static String describe(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      return "RSA-" + rsa.getModulus().bitLength();
    }
    if (key instanceof ECPublicKey ec) {
      return "EC-P" + ec.getParams().getCurve().getField().getFieldSize();
    }
    return key.getAlgorithm();
  }
}
