package dev.cps.deploy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test's TLS client, independent of the code under test: the JDK's own PKIX trust manager,
 * trusting only the given root, validating at the test clock's instant (certificates on a moved
 * clock may not be valid by the wall clock).
 */
final class TlsClient {
  private final X509Certificate root;
  private final Clock clock;

  TlsClient(X509Certificate root, Clock clock) {
    this.root = root;
    this.clock = clock;
  }

  /** A client context trusting the root only, validating at the clock's instant now. */
  SSLContext sslContext() {
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry("root", root);
      PKIXBuilderParameters parameters = new PKIXBuilderParameters(trusted, new X509CertSelector());
      parameters.setRevocationEnabled(false);
      parameters.setDate(Date.from(clock.instant()));
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(new CertPathTrustManagerParameters(parameters));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What one handshake showed. */
  record Handshake(X509Certificate leaf, String protocol) {}

  /** The leaf served to a handshake like {@link #handshake}. */
  X509Certificate leaf(int port, String serverName, String... protocols) throws IOException {
    return handshake(port, serverName, protocols).leaf();
  }

  /**
   * Handshakes with 127.0.0.1:port asking for {@code serverName}, in one of {@code protocols} (any
   * when none are given), checking the leaf's names against {@code serverName} as HTTPS does.
   *
   * @throws IOException if the handshake fails, the chain does not validate included
   */
  Handshake handshake(int port, String serverName, String... protocols) throws IOException {
    return handshake(port, serverName, List.of(new SNIHostName(serverName)), protocols);
  }

  /** A handshake that sends no SNI, as an old client would. */
  Handshake handshakeWithoutSni(int port) throws IOException {
    return handshake(port, "127.0.0.1", List.of());
  }

  private Handshake handshake(int port, String host, List<SNIServerName> names, String... protocols)
      throws IOException {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      plain.setSoTimeout(5000);
      try (SSLSocket tls = (SSLSocket) sslContext().getSocketFactory().createSocket(plain, host, port, true)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(names);
        if (!names.isEmpty()) {
          parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (protocols.length > 0) {
          parameters.setProtocols(protocols);
        }
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        SSLSession session = tls.getSession();
        return new Handshake((X509Certificate) session.getPeerCertificates()[0], session.getProtocol());
      }
    }
  }
}
