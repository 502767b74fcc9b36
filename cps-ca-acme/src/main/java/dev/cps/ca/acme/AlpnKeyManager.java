package dev.cps.ca.acme;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/** Picks the validation certificate of the name the client asks for (SNI). */
final class AlpnKeyManager extends X509ExtendedKeyManager {
  private record Answer(String challengeId, X509Certificate certificate) {}

  private static final String KEY_TYPE = "RSA";

  private final PrivateKey key;
  private final Map<String, Answer> byName = new ConcurrentHashMap<>();

  AlpnKeyManager(PrivateKey key) {
    this.key = key;
  }

  void put(String name, String challengeId, X509Certificate certificate) {
    byName.put(name.toLowerCase(Locale.ROOT), new Answer(challengeId, certificate));
  }

  void remove(String name, String challengeId) {
    byName.computeIfPresent(name.toLowerCase(Locale.ROOT),
        (n, answer) -> answer.challengeId().equals(challengeId) ? null : answer);
  }

  @Override
  public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    if (!KEY_TYPE.equals(keyType) || !(socket instanceof SSLSocket ssl)) {
      return null;
    }
    return aliasFor(ssl.getHandshakeSession());
  }

  @Override
  public @Nullable String chooseEngineServerAlias(String keyType, Principal @Nullable [] issuers,
      @Nullable SSLEngine engine) {
    if (!KEY_TYPE.equals(keyType) || engine == null) {
      return null;
    }
    return aliasFor(engine.getHandshakeSession());
  }

  private @Nullable String aliasFor(@Nullable SSLSession session) {
    if (!(session instanceof ExtendedSSLSession extended)) {
      return null;
    }
    for (SNIServerName name : extended.getRequestedServerNames()) {
      if (name instanceof SNIHostName host) {
        String alias = host.getAsciiName().toLowerCase(Locale.ROOT);
        if (byName.containsKey(alias)) {
          return alias;
        }
      }
    }
    return null;
  }

  @Override
  public X509Certificate @Nullable [] getCertificateChain(String alias) {
    Answer answer = byName.get(alias);
    return answer == null ? null : new X509Certificate[] {answer.certificate()};
  }

  @Override
  public @Nullable PrivateKey getPrivateKey(String alias) {
    return byName.containsKey(alias) ? key : null;
  }

  @Override
  public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
    return KEY_TYPE.equals(keyType) ? byName.keySet().toArray(String[]::new) : null;
  }

  @Override
  public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
    return null;
  }

  @Override
  public @Nullable String chooseClientAlias(String[] keyType, Principal @Nullable [] issuers,
      @Nullable Socket socket) {
    return null;
  }
}
