package dev.cps.store.jdbc;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import dev.cps.spi.CertificateChain;

/**
 * The small HTTP/JSON protocol between a test JVM, which keeps the fake CA and the networks' record
 * of deployments, and the provisioner processes it starts and kills: what each side sends, as
 * records Jackson writes and reads.
 */
final class Wire {
  static final ObjectMapper JSON = new ObjectMapper();

  private Wire() {}

  record SubmitRequest(String requestId, String csr, String commonName, List<String> names, String validationType,
      String keyType) {}

  record OrderReply(String order) {}

  record StatusReply(String status, String reason) {}

  record ChainReply(List<String> chain) {}

  record DeployRequest(String network, String enrollment, String change, List<String> chain, boolean keyMatches,
      String node) {}

  record LiveReply(List<String> chain) {}

  record ErrorReply(String kind, String message) {}

  static List<String> encode(CertificateChain chain) {
    List<String> encoded = new ArrayList<>();
    for (X509Certificate certificate : chain.certificates()) {
      try {
        encoded.add(Base64.getEncoder().encodeToString(certificate.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return encoded;
  }

  static CertificateChain decode(List<String> chain) {
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> certificates = new ArrayList<>();
      for (String der : chain) {
        certificates.add((X509Certificate) factory.generateCertificate(
            new ByteArrayInputStream(Base64.getDecoder().decode(der))));
      }
      return new CertificateChain(certificates);
    } catch (CertificateException e) {
      throw new IllegalStateException(e);
    }
  }
}
