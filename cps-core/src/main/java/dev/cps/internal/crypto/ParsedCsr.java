package dev.cps.internal.crypto;

import dev.cps.spi.CertificateSigningRequest;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * The fields of a CSR that verification compares with the issued certificate. Parsing does not
 * check the CSR's signature; {@link #isSignatureValid(Crypto)} does, at the price of one
 * verification.
 */
final class ParsedCsr {
  private final PKCS10CertificationRequest request;
  private final SubjectFields subject;
  private final List<String> names;

  private ParsedCsr(PKCS10CertificationRequest request) {
    this.request = request;
    this.subject = SubjectFields.of(request.getSubject());
    this.names = GeneralNamesReader.dnsNames(request.getRequestedExtensions());
  }

  /** @throws IllegalArgumentException if the bytes are not a PKCS#10 request */
  static ParsedCsr parse(CertificateSigningRequest csr) {
    try {
      return new ParsedCsr(new PKCS10CertificationRequest(csr.der()));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a PKCS#10 certificate signing request: " + csr, e);
    }
  }

  SubjectFields subject() {
    return subject;
  }

  /** The DNS names of the subject alternative name extension request, in lower case. */
  List<String> names() {
    return names;
  }

  SubjectPublicKeyInfo publicKeyInfo() {
    return request.getSubjectPublicKeyInfo();
  }

  /**
   * The public key, made by the provider's key factory. Looked up by algorithm name: providers
   * such as SunEC do not register their key factories under the key's OID.
   */
  PublicKey publicKey(Crypto crypto) {
    SubjectPublicKeyInfo info = publicKeyInfo();
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    String name = algorithm.equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA"
        : algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC"
        : algorithm.getId();
    try {
      return KeyFactory.getInstance(name, crypto.provider())
          .generatePublic(new X509EncodedKeySpec(info.getEncoded(ASN1Encoding.DER)));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("the CSR's " + name + " public key cannot be read by " + crypto, e);
    }
  }

  /**
   * Whether the CSR is signed by the private key of its own public key.
   *
   * @throws IllegalStateException if the provider cannot check this kind of signature at all
   */
  boolean isSignatureValid(Crypto crypto) {
    ContentVerifierProvider verifier;
    try {
      verifier = new JcaContentVerifierProviderBuilder().setProvider(crypto.provider()).build(publicKey(crypto));
    } catch (OperatorCreationException e) {
      throw new IllegalStateException(crypto + " cannot check the signature of a CSR", e);
    }
    try {
      return request.isSignatureValid(verifier);
    } catch (PKCSException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "ParsedCsr[subject=" + subject + ", names=" + names + "]";
  }
}
