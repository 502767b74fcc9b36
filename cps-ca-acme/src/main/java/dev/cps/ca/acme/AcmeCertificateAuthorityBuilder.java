package dev.cps.ca.acme;

import dev.cps.spi.KeyId;
import dev.cps.spi.PrivateKeyStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Configures an {@link AcmeCertificateAuthority}. Each single-valued property may be set once;
 * {@link #build()} names any property that is missing or wrong. Only {@link #directory} and
 * {@link #keyStore} are required.
 */
public final class AcmeCertificateAuthorityBuilder {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final int DEFAULT_SESSIONS = 8;

  private @Nullable URI directory;
  private @Nullable PrivateKeyStore keyStore;
  private @Nullable Clock clock;
  private @Nullable String id;
  private @Nullable KeyId accountKey;
  private boolean termsAgreed;
  private final List<String> contacts = new ArrayList<>();
  private @Nullable ExternalAccount externalAccount;
  private @Nullable List<X509Certificate> trustAnchors;
  private @Nullable String preferredChain;
  private @Nullable String profile;
  private @Nullable Duration timeout;
  private @Nullable AcmePolling polling;
  private int sessions = -1;

  AcmeCertificateAuthorityBuilder() {}

  /** The server's directory, an {@code https} URL such as {@code https://acme-v02.example/directory}. */
  public AcmeCertificateAuthorityBuilder directory(URI directory) {
    requireUnset("directory", this.directory);
    this.directory = Objects.requireNonNull(directory, "directory");
    return this;
  }

  /** Where the account key is generated and kept; the provider passes the provisioner's. */
  public AcmeCertificateAuthorityBuilder keyStore(PrivateKeyStore keyStore) {
    requireUnset("keyStore", this.keyStore);
    this.keyStore = Objects.requireNonNull(keyStore, "keyStore");
    return this;
  }

  /** The provisioner's clock; default the system clock. */
  public AcmeCertificateAuthorityBuilder clock(Clock clock) {
    requireUnset("clock", this.clock);
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** How enrollments name this CA. Default {@code acme}. */
  public AcmeCertificateAuthorityBuilder id(String id) {
    requireUnset("id", this.id);
    this.id = Objects.requireNonNull(id, "id");
    return this;
  }

  /**
   * The key id of the account key in the key store. Default {@code acme-account-} and the first 16
   * hex digits of the SHA-256 of the directory URI: one account per directory.
   */
  public AcmeCertificateAuthorityBuilder accountKey(KeyId accountKey) {
    requireUnset("accountKey", this.accountKey);
    this.accountKey = Objects.requireNonNull(accountKey, "accountKey");
    return this;
  }

  /** A person read and agreed to the server's terms of service; without this no account is created. */
  public AcmeCertificateAuthorityBuilder agreeToTermsOfService() {
    this.termsAgreed = true;
    return this;
  }

  /** Adds a contact e-mail address for the account (the server may write about expiry or incidents). */
  public AcmeCertificateAuthorityBuilder contact(String email) {
    Objects.requireNonNull(email, "email");
    String address = email.startsWith("mailto:") ? email.substring("mailto:".length()) : email;
    if (address.isBlank() || address.indexOf('@') <= 0 || address.indexOf('@') == address.length() - 1
        || address.chars().anyMatch(c -> c <= ' ' || c == ',')) {
      throw new IllegalArgumentException("contact must be an e-mail address, was '" + email + "'");
    }
    contacts.add(address);
    return this;
  }

  /**
   * External Account Binding, for servers that require it (ZeroSSL, Google, many private CAs).
   *
   * @param keyId the key identifier the CA issued
   * @param hmacKey the MAC key the CA issued, base64url-encoded as CAs hand it out
   */
  public AcmeCertificateAuthorityBuilder externalAccountBinding(String keyId, String hmacKey) {
    Objects.requireNonNull(hmacKey, "hmacKey");
    byte[] key;
    try {
      key = Base64.getUrlDecoder().decode(hmacKey.trim().replace('+', '-').replace('/', '_').replace("=", ""));
    } catch (IllegalArgumentException e) {
      // The key is a secret: the message names the property, never the value.
      throw new IllegalArgumentException("externalAccountBinding hmacKey is not base64url", e);
    }
    return externalAccountBinding(keyId, key);
  }

  /** External Account Binding with the raw MAC key. */
  public AcmeCertificateAuthorityBuilder externalAccountBinding(String keyId, byte[] hmacKey) {
    requireUnset("externalAccountBinding", externalAccount);
    this.externalAccount = new ExternalAccount(keyId, hmacKey);
    return this;
  }

  /**
   * Trusts only these roots for the server's TLS certificate, for a private CA. Default: the JDK's
   * trust store. There is no way to turn verification off.
   */
  public AcmeCertificateAuthorityBuilder trustAnchors(Collection<X509Certificate> roots) {
    requireUnset("trustAnchors", trustAnchors);
    List<X509Certificate> copy = List.copyOf(roots);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("trustAnchors must hold at least one certificate");
    }
    this.trustAnchors = copy;
    return this;
  }

  /** Trusts only the roots in this PEM bundle for the server's TLS certificate. */
  public AcmeCertificateAuthorityBuilder trustAnchors(Path pemBundle) {
    return trustAnchors(TrustAnchors.readPem(pemBundle));
  }

  /**
   * Of the chains the server offers, the one with a certificate issued by this common name (such as
   * {@code ISRG Root X1}); the default chain if none matches.
   */
  public AcmeCertificateAuthorityBuilder preferredChain(String issuerCommonName) {
    requireUnset("preferredChain", preferredChain);
    this.preferredChain = requireText("preferredChain", issuerCommonName);
    return this;
  }

  /** The ACME profile to order (draft-aaron-acme-profiles), such as {@code tlsserver}. */
  public AcmeCertificateAuthorityBuilder profile(String profile) {
    requireUnset("profile", this.profile);
    this.profile = requireText("profile", profile);
    return this;
  }

  /** Connect and request timeout for each call to the server. Default 30 s. */
  public AcmeCertificateAuthorityBuilder timeout(Duration timeout) {
    requireUnset("timeout", this.timeout);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    return this;
  }

  /** Polling inside one call. Default {@link AcmePolling#DEFAULT}. */
  public AcmeCertificateAuthorityBuilder polling(AcmePolling polling) {
    requireUnset("polling", this.polling);
    this.polling = Objects.requireNonNull(polling, "polling");
    return this;
  }

  /**
   * How many calls may talk to the server at once; each has its own acme4j session (a session sends
   * one request at a time). Default 8.
   */
  public AcmeCertificateAuthorityBuilder sessions(int sessions) {
    if (this.sessions != -1) {
      throw new IllegalStateException("sessions was already set to " + this.sessions);
    }
    this.sessions = sessions;
    return this;
  }

  /**
   * @throws IllegalStateException naming the property that is missing or wrong, and its value
   */
  public AcmeCertificateAuthority build() {
    requireState(directory != null, "directory is required: the https URL of the ACME server's directory");
    requireState(keyStore != null, "keyStore is required: the account key is kept there");
    URI dir = directory;
    requireState("https".equals(dir.getScheme()) && dir.getHost() != null,
        "directory must be an https URL with a host, was '%s'", dir);
    Duration networkTimeout = timeout != null ? timeout : DEFAULT_TIMEOUT;
    requireState(!networkTimeout.isNegative() && !networkTimeout.isZero(), "timeout must be positive, was %s",
        networkTimeout);
    int sessionCount = sessions == -1 ? DEFAULT_SESSIONS : sessions;
    requireState(sessionCount >= 1 && sessionCount <= 64, "sessions must be between 1 and 64, was %s", sessionCount);
    String caId = id != null ? id : "acme";
    requireState(!caId.isBlank(), "id must not be blank, was '%s'", caId);
    AcmeSettings settings = new AcmeSettings(caId, dir, keyStore, clock != null ? clock : Clock.systemUTC(),
        accountKey != null ? accountKey : defaultAccountKey(dir), termsAgreed, List.copyOf(contacts),
        externalAccount, trustAnchors != null ? trustAnchors : List.of(), preferredChain, profile, networkTimeout,
        polling != null ? polling : AcmePolling.DEFAULT, sessionCount);
    return new AcmeAuthority(settings);
  }

  /** One account key per directory, under a name that says what it is. */
  static KeyId defaultAccountKey(URI directory) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(directory.toString().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
      return KeyId.of("acme-account-" + HexFormat.of().formatHex(digest, 0, 8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static String requireText(String property, String value) {
    Objects.requireNonNull(value, property);
    if (value.isBlank()) {
      throw new IllegalArgumentException(property + " must not be blank, was '" + value + "'");
    }
    return value;
  }

  private static void requireUnset(String property, @Nullable Object current) {
    if (current != null) {
      throw new IllegalStateException(property + " was already set"
          + (current instanceof ExternalAccount ? "" : " to " + current));
    }
  }

  private static void requireState(boolean expression, String template, Object... args) {
    if (!expression) {
      throw new IllegalStateException(String.format(template, args));
    }
  }
}
