package dev.cps.ca.acme;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.shredzone.acme4j.Identifier;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.util.CertificateUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers TLS-ALPN-01 challenges (RFC 8737) on a TLS port of its own: a validator that connects
 * with the server name of a presented challenge and offers {@code acme-tls/1} gets that protocol and
 * the challenge's self-signed validation certificate. One challenge per name at a time: presenting
 * another for the same name replaces the first.
 */
public final class TlsAlpn01Solver implements ChallengeSolver, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsAlpn01Solver.class);
  private static final String ACME_TLS = TlsAlpn01Challenge.ACME_TLS_1_PROTOCOL;

  private final KeyPair validationKey;
  private final AlpnKeyManager keys;
  private final SSLServerSocket server;
  private final ExecutorService handshakes;
  private final Thread acceptor;
  private volatile boolean closed;

  private TlsAlpn01Solver(InetSocketAddress address) throws IOException, GeneralSecurityException {
    // acme4j signs validation certificates with SHA256withRSA, so the key is RSA.
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    this.validationKey = generator.generateKeyPair();
    this.keys = new AlpnKeyManager(validationKey.getPrivate());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {keys}, null, null);
    this.server = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(address.getPort(), 64, address.getAddress());
    AtomicInteger count = new AtomicInteger();
    this.handshakes = Executors.newFixedThreadPool(4, runnable -> {
      Thread thread = new Thread(runnable, "cps-tls-alpn-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.acceptor = new Thread(this::acceptLoop, "cps-tls-alpn-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts answering on {@code address} (port 0 picks a free port).
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static TlsAlpn01Solver start(InetSocketAddress address) {
    try {
      return new TlsAlpn01Solver(address);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot answer TLS-ALPN-01 on " + address + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java platform cannot serve TLS with RSA keys", e);
    }
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  @Override
  public Set<ChallengeType> types() {
    return Set.of(ChallengeType.TLS_ALPN_01);
  }

  @Override
  public void present(Challenge challenge) {
    requireTlsAlpn(challenge);
    try {
      byte[] validation = MessageDigest.getInstance("SHA-256")
          .digest(challenge.keyAuthorization().getBytes(StandardCharsets.US_ASCII));
      X509Certificate certificate =
          CertificateUtils.createTlsAlpn01Certificate(validationKey, Identifier.dns(challenge.domain()), validation);
      keys.put(challenge.domain(), challenge.id(), certificate);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the TLS-ALPN-01 certificate for " + challenge.domain(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public void cleanUp(Challenge challenge) {
    requireTlsAlpn(challenge);
    keys.remove(challenge.domain(), challenge.id());
  }

  private static void requireTlsAlpn(Challenge challenge) {
    if (challenge.type() != ChallengeType.TLS_ALPN_01) {
      throw new IllegalArgumentException("a TLS-ALPN-01 solver cannot answer a " + challenge.type() + " challenge");
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SSLSocket socket = (SSLSocket) server.accept();
        handshakes.execute(() -> handshake(socket));
      } catch (SocketException e) {
        if (!closed) {
          log.warn("TLS-ALPN-01 responder on {} stopped accepting: {}", address(), e.toString());
        }
        return;
      } catch (IOException | RuntimeException e) {
        log.debug("TLS-ALPN-01 accept failed: {}", e.toString());
      }
    }
  }

  /** Only the handshake matters: the validator reads the certificate and hangs up. */
  private static void handshake(SSLSocket socket) {
    try (socket) {
      socket.setSoTimeout(10_000);
      socket.setHandshakeApplicationProtocolSelector(
          (s, offered) -> offered.contains(ACME_TLS) ? ACME_TLS : null);
      socket.startHandshake();
    } catch (IOException | RuntimeException e) {
      log.debug("TLS-ALPN-01 handshake with {} failed: {}", socket.getRemoteSocketAddress(), e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      log.debug("Closing the TLS-ALPN-01 responder: {}", e.toString());
    }
    handshakes.shutdownNow();
  }

  @Override
  public String toString() {
    return "TlsAlpn01Solver[" + address() + "]";
  }
}
