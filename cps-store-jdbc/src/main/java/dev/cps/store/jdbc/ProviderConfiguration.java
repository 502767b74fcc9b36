package dev.cps.store.jdbc;

import java.net.URI;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the ServiceLoader providers share: one migrated pool per URL for the life of the JVM (the
 * enrollment store and the key store of a provisioner built from one URL use the same pool), and
 * the key-encryption key from the environment.
 *
 * <p>The KEK is read from the system property {@value #KEK_PROPERTY} or else the environment
 * variable {@value #KEK_VARIABLE}, as {@code raw:<id>:<base64 of 32 bytes>} or {@code
 * passphrase:<id>:<passphrase>}. The KEK it replaces, while keys are still sealed under it, comes
 * the same way from {@value #PREVIOUS_KEK_PROPERTY} or {@value #PREVIOUS_KEK_VARIABLE}.
 */
final class ProviderConfiguration {
  static final String KEK_PROPERTY = "cps.store.kek";
  static final String KEK_VARIABLE = "CPS_STORE_KEK";
  static final String PREVIOUS_KEK_PROPERTY = "cps.store.previous-kek";
  static final String PREVIOUS_KEK_VARIABLE = "CPS_STORE_PREVIOUS_KEK";

  private static final Map<String, Database> DATABASES = new ConcurrentHashMap<>();

  private ProviderConfiguration() {}

  static boolean accepts(URI location) {
    String url = location.toString();
    return "jdbc".equalsIgnoreCase(location.getScheme()) && (Pools.isSqlite(url) || Pools.isPostgresql(url));
  }

  static Database database(URI location, Clock clock) {
    return DATABASES.computeIfAbsent(location.toString(), url -> {
      var pool = Pools.open(url, 0, "FULL");
      try {
        return JdbcStores.open(pool, clock);
      } catch (RuntimeException | Error e) {
        pool.close(); // tried again on the next call, with a pool of its own
        throw e;
      }
    });
  }

  static KeyEncryptionKey keyEncryptionKey(URI location) {
    String value = System.getProperty(KEK_PROPERTY);
    String source = "system property " + KEK_PROPERTY;
    if (value == null) {
      value = System.getenv(KEK_VARIABLE);
      source = "environment variable " + KEK_VARIABLE;
    }
    if (value == null) {
      throw new IllegalStateException("the private-key store at " + Pools.redact(location.toString())
          + " needs a key-encryption key: set " + KEK_VARIABLE + " (or -D" + KEK_PROPERTY
          + ") to raw:<id>:<base64 of 32 bytes> or passphrase:<id>:<passphrase>");
    }
    return parse(value, source);
  }

  /** The KEK being rotated away from, if the host names one. */
  static Optional<KeyEncryptionKey> previousKeyEncryptionKey() {
    String value = System.getProperty(PREVIOUS_KEK_PROPERTY);
    if (value != null) {
      return Optional.of(parse(value, "system property " + PREVIOUS_KEK_PROPERTY));
    }
    value = System.getenv(PREVIOUS_KEK_VARIABLE);
    return value == null ? Optional.empty() : Optional.of(parse(value, "environment variable " + PREVIOUS_KEK_VARIABLE));
  }

  static KeyEncryptionKey parse(String value, String source) {
    String[] parts = value.split(":", 3);
    @Nullable String kind = parts.length == 3 ? parts[0] : null;
    if ("raw".equals(kind)) {
      // The value holds a secret: no message names a part of it that may be the key.
      String id = parts[1];
      if (looksLikeAKey(id)) {
        throw new IllegalArgumentException(source + " must be raw:<id>:<base64 of 32 bytes>; its id looks like a"
            + " 32-byte key (base64 or hex), so the id and the key may be swapped");
      }
      requireId(source, "raw:<id>:<base64 of 32 bytes>", id, "key");
      byte[] key;
      try {
        key = Base64.getDecoder().decode(parts[2].strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ": the key after raw:<id>: is not base64");
      }
      if (key.length != KeyEncryptionKey.RAW_LENGTH) {
        throw new IllegalArgumentException(source + ": the key after raw:<id>: must be the base64 of "
            + KeyEncryptionKey.RAW_LENGTH + " bytes, was " + key.length + " bytes");
      }
      return KeyEncryptionKey.raw(id, key);
    }
    if ("passphrase".equals(kind)) {
      // As for raw: no message names a part, and an id shaped like no id is taken for a swap.
      String id = parts[1];
      requireId(source, "passphrase:<id>:<passphrase>", id, "passphrase");
      if (parts[2].length() < 8) {
        throw new IllegalArgumentException(source + ": the passphrase after passphrase:<id>: must have at least 8"
            + " characters, had " + parts[2].length() + "; the id and the passphrase may be swapped");
      }
      return KeyEncryptionKey.passphrase(id, parts[2].toCharArray());
    }
    // The value holds a secret: only its shape is named.
    throw new IllegalArgumentException(source + " must be raw:<id>:<base64 of 32 bytes> or"
        + " passphrase:<id>:<passphrase>; it does not start with raw: or passphrase: and an id");
  }

  /**
   * An id of 1 to 200 characters without white space; one with some is taken for the secret given
   * in its place. The message names neither.
   */
  private static void requireId(String source, String form, String id, String secret) {
    if (id.isBlank() || id.length() > 200) {
      throw new IllegalArgumentException(source + ": the id in " + form + " must be 1 to 200 characters and not"
          + " blank, had " + id.length());
    }
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(source + " must be " + form + ", the id without white space; it has some,"
          + " so the id and the " + secret + " may be swapped");
    }
  }

  /** What a KEK id given in the environment may hold: no white space, which many a passphrase has. */
  private static final Pattern ID = Pattern.compile("\\S+");

  /** Whether the text is 32 bytes in base64 (either alphabet) or hex, as a raw key would be written. */
  private static boolean looksLikeAKey(String text) {
    String stripped = text.strip();
    boolean hex = stripped.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    if (hex && stripped.length() == 2 * KeyEncryptionKey.RAW_LENGTH) {
      return true;
    }
    for (Base64.Decoder decoder : List.of(Base64.getDecoder(), Base64.getUrlDecoder())) {
      try {
        if (decoder.decode(stripped).length == KeyEncryptionKey.RAW_LENGTH) {
          return true;
        }
      } catch (IllegalArgumentException e) {
        // not in this alphabet
      }
    }
    return false;
  }
}
