package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.testkit.contract.ChallengeSolverContract;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.ASN1OctetString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS-ALPN-01 responder, checked as RFC 8737 validators check it: {@code acme-tls/1} is
 * negotiated, and the one self-signed certificate names the domain and carries the critical
 * acmeIdentifier extension with the SHA-256 of the key authorization.
 */
class TlsAlpn01SolverTest extends ChallengeSolverContract {
  private static final String ACME_IDENTIFIER = "1.3.6.1.5.5.7.1.31";
  private static TlsAlpn01Solver solver;

  @BeforeAll
  static void startSolver() {
    solver = TlsAlpn01Solver.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterAll
  static void stopSolver() {
    solver.close();
  }

  @Override
  protected ChallengeSolver newSolver() {
    return solver;
  }

  @Override
  protected boolean isPublished(ChallengeSolver unused, Challenge challenge) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new ValidationCertificateCheck(challenge)}, null);
      try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
          .createSocket(InetAddress.getLoopbackAddress(), solver.address().getPort())) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(challenge.domain())));
        parameters.setApplicationProtocols(new String[] {"acme-tls/1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return "acme-tls/1".equals(socket.getApplicationProtocol());
      }
    } catch (IOException refused) {
      return false;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aNameWithoutChallengeGetsNoCertificate() {
    Challenge other = challenge(solver, "absent.example.com", "token-absent");

    assertThat(isPublished(solver, other)).isFalse();
  }

  /** Accepts exactly the validation certificate RFC 8737 describes for this challenge, nothing else. */
  private static final class ValidationCertificateCheck implements X509TrustManager {
    private final Challenge challenge;

    ValidationCertificateCheck(Challenge challenge) {
      this.challenge = challenge;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      if (chain.length != 1) {
        throw new CertificateException("expected one self-signed certificate, got " + chain.length);
      }
      X509Certificate certificate = chain[0];
      List<String> names = certificate.getSubjectAlternativeNames().stream()
          .filter(s -> Integer.valueOf(2).equals(s.get(0))).map(s -> (String) s.get(1)).toList();
      if (!names.equals(List.of(challenge.domain()))) {
        throw new CertificateException("names " + names + ", expected " + challenge.domain());
      }
      if (!certificate.getCriticalExtensionOIDs().contains(ACME_IDENTIFIER)) {
        throw new CertificateException("no critical acmeIdentifier extension");
      }
      try {
        certificate.verify(certificate.getPublicKey());
        byte[] expected = MessageDigest.getInstance("SHA-256")
            .digest(challenge.keyAuthorization().getBytes(StandardCharsets.US_ASCII));
        byte[] wrapped = ASN1OctetString.getInstance(certificate.getExtensionValue(ACME_IDENTIFIER)).getOctets();
        byte[] actual = ASN1OctetString.getInstance(wrapped).getOctets();
        if (!Arrays.equals(expected, actual)) {
          throw new CertificateException("acmeIdentifier does not hold the key authorization's digest");
        }
      } catch (GeneralSecurityException e) {
        throw new CertificateException(e);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
