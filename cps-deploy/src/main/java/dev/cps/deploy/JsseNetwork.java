package dev.cps.deploy;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.EnrollmentId;
import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network inside the host's own process, for Java servers that terminate TLS themselves. Its
 * {@link #keyManager()} serves, per SNI host name (exact, else a wildcard for the first label), the
 * certificate last deployed for it; a deployment swaps it atomically and the next handshake serves
 * the new certificate, without a restart. Give a server {@link #sslContext()} — the JDK's
 * {@code HttpsServer} through an {@code HttpsConfigurator}, Jetty's {@code SslContextFactory.Server.setSslContext},
 * Netty's {@code JdkSslContext} — or put {@link #keyManager()} into an {@code SSLContext} of its own.
 *
 * <p>Network settings: an enrollment's disallowed TLS versions are refused per name (the key manager
 * is asked after the version is negotiated, and offers no certificate for a version the enrollment
 * disallows, so the handshake fails). A client without SNI, or asking for a name nothing here serves,
 * gets the first enrollment deployed whose settings are not SNI-only, or no certificate at all.
 * Cipher suites are chosen before the host name is known, so they are the server's
 * {@code SSLParameters}, which the host sets; this network does not apply
 * {@link dev.cps.spi.NetworkSettings#cipherSuites()}. A resumed TLS session keeps the certificate it
 * started with.
 */
public final class JsseNetwork implements DeploymentNetwork {
  private static final Logger log = LoggerFactory.getLogger(JsseNetwork.class);

  private final AtomicReference<ServedCertificates> served = new AtomicReference<>(ServedCertificates.EMPTY);
  private final SniKeyManager keyManager = new SniKeyManager(served::get);
  private final SSLContext context;

  private JsseNetwork(SSLContext context) {
    this.context = context;
  }

  /** A network serving nothing yet, with a {@code TLS} context from the JDK's default provider. */
  public static JsseNetwork create() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      JsseNetwork network = new JsseNetwork(context);
      context.init(new KeyManager[] {network.keyManager}, null, null);
      return network;
    } catch (NoSuchAlgorithmException | KeyManagementException e) {
      throw new IllegalStateException("every Java platform has a TLS SSLContext", e);
    }
  }

  /** The key manager that serves the deployed certificates; usable in any {@code SSLContext}. */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** A TLS server context whose key manager is {@link #keyManager()}; the same instance every call. */
  public SSLContext sslContext() {
    return context;
  }

  /**
   * Serves the deployment's certificate for the names of its leaf from the next handshake on.
   *
   * @throws DeploymentException if the key does not belong to the certificate; nothing changes
   */
  @Override
  public void deploy(Deployment deployment) {
    Objects.requireNonNull(deployment, "deployment");
    PrivateKey key = KeyMaterial.checkedJdkKey(deployment);
    ServedCertificates now = served.updateAndGet(
        current -> current.with(deployment.enrollment(), deployment.chain(), key, deployment.settings()));
    log.info("enrollment {} change {}: serving certificate serial {} for {}", deployment.enrollment(),
        deployment.change(), deployment.chain().serialNumber(),
        Objects.requireNonNull(now.live(deployment.enrollment())).names());
  }

  @Override
  public Optional<CertificateChain> live(EnrollmentId enrollment) {
    ServedCertificates.Entry entry = served.get().live(enrollment);
    return entry == null ? Optional.empty() : Optional.of(entry.chain());
  }

  @Override
  public String toString() {
    return "JsseNetwork[" + served.get().live() + "]";
  }
}
