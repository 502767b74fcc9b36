package dev.cps.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads what a network wrote, the way a server would. */
final class Pem {
  private Pem() {}

  static List<X509Certificate> certificates(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return certificates(in);
    }
  }

  static List<X509Certificate> certificates(InputStream in) throws IOException {
    try {
      List<X509Certificate> certificates = new ArrayList<>();
      for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) certificate);
      }
      return certificates;
    } catch (CertificateException e) {
      throw new IOException("not PEM certificates: " + e.getMessage(), e);
    }
  }

  static PrivateKey privateKey(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      Object object = parser.readObject();
      if (!(object instanceof PrivateKeyInfo info)) {
        throw new IOException("not a PKCS#8 private key: " + (object == null ? "empty" : object.getClass().getSimpleName()));
      }
      return new JcaPEMKeyConverter().getPrivateKey(info);
    }
  }

  /** Whether the key signs what the certificate's public key verifies. */
  static boolean belongTogether(X509Certificate certificate, PrivateKey key) {
    try {
      byte[] message = "cps".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(key);
      signer.update(message);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(message);
      return verifier.verify(signature);
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }
}
