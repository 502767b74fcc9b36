package dev.cps.deploy;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks, per handshake, the certificate deployed for the host name the client asked for (SNI).
 * It is asked after the protocol version is negotiated, so it also refuses a handshake in a version
 * the enrollment disallows: with no certificate to offer, the server ends the handshake.
 */
final class SniKeyManager extends X509ExtendedKeyManager {
  private static final Logger log = LoggerFactory.getLogger(SniKeyManager.class);

  private final Supplier<ServedCertificates> served;

  SniKeyManager(Supplier<ServedCertificates> served) {
    this.served = served;
  }

  @Override
  public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return choose(keyType, socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null);
  }

  @Override
  public @Nullable String chooseEngineServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
    return choose(keyType, engine == null ? null : engine.getHandshakeSession());
  }

  private @Nullable String choose(String keyType, @Nullable SSLSession handshake) {
    ServedCertificates now = served.get();
    String name = requestedHostName(handshake);
    ServedCertificates.Entry entry = name == null ? null : now.forName(name);
    if (entry == null) {
      entry = now.fallback();
    }
    if (entry == null || !entry.key().getAlgorithm().equals(keyType)) {
      return null;
    }
    String protocol = handshake == null ? null : handshake.getProtocol();
    if (protocol != null && entry.settings().disallowedTlsVersions().contains(protocol)) {
      log.debug("refusing {} for {}: enrollment {} disallows it", protocol, name, entry.enrollment());
      return null;
    }
    return entry.alias();
  }

  private static @Nullable String requestedHostName(@Nullable SSLSession handshake) {
    if (handshake instanceof ExtendedSSLSession extended) {
      List<SNIServerName> names = extended.getRequestedServerNames();
      for (SNIServerName name : names) {
        if (name instanceof SNIHostName host) {
          return host.getAsciiName();
        }
      }
    }
    return null;
  }

  @Override
  public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
    String[] aliases = served.get().live().stream()
        .filter(entry -> entry.key().getAlgorithm().equals(keyType))
        .map(ServedCertificates.Entry::alias)
        .toArray(String[]::new);
    return aliases.length == 0 ? null : aliases;
  }

  @Override
  public X509Certificate @Nullable [] getCertificateChain(String alias) {
    ServedCertificates.Entry entry = served.get().byAlias(alias);
    return entry == null ? null : entry.certificates();
  }

  @Override
  public @Nullable PrivateKey getPrivateKey(String alias) {
    ServedCertificates.Entry entry = served.get().byAlias(alias);
    return entry == null ? null : entry.key();
  }

  /** A server's key manager: it never authenticates as a client. */
  @Override
  public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
    return null;
  }

  @Override
  public @Nullable String chooseClientAlias(
      String @Nullable [] keyTypes, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return null;
  }

  @Override
  public @Nullable String chooseEngineClientAlias(
      String @Nullable [] keyTypes, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
    return null;
  }
}
