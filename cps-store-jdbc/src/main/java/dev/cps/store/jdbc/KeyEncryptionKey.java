package dev.cps.store.jdbc;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The host's key-encryption key (KEK): every private key is encrypted under a data key of its own,
 * and the data key under this. Either 32 raw bytes (from a KMS, a vault, a file the host protects)
 * or a passphrase, stretched with scrypt (N=2^15, r=8, p=1) and a random salt that the database
 * keeps beside the KEK's id. The id names the KEK in every key row, so that a rotation knows what
 * to re-encrypt; it is not secret. The secret itself never appears in {@code toString}.
 */
public final class KeyEncryptionKey {
  /** AES-256. */
  public static final int RAW_LENGTH = 32;

  private final String id;
  private final byte @Nullable [] raw;
  private final char @Nullable [] passphrase;
  private volatile boolean destroyed;

  private KeyEncryptionKey(String id, byte @Nullable [] raw, char @Nullable [] passphrase) {
    this.id = id;
    this.raw = raw;
    this.passphrase = passphrase;
  }

  /**
   * A KEK of 32 raw bytes, copied.
   *
   * @throws IllegalArgumentException if the id is blank or the key is not 32 bytes long
   */
  public static KeyEncryptionKey raw(String id, byte[] key) {
    requireId(id);
    Objects.requireNonNull(key, "key");
    if (key.length != RAW_LENGTH) {
      throw new IllegalArgumentException("key-encryption key '" + id + "' must be " + RAW_LENGTH
          + " bytes (AES-256), was " + key.length);
    }
    return new KeyEncryptionKey(id, key.clone(), null);
  }

  /**
   * A KEK derived from a passphrase, copied.
   *
   * @throws IllegalArgumentException if the id is blank or the passphrase shorter than 8 characters
   */
  public static KeyEncryptionKey passphrase(String id, char[] passphrase) {
    requireId(id);
    Objects.requireNonNull(passphrase, "passphrase");
    if (passphrase.length < 8) {
      throw new IllegalArgumentException("the passphrase of key-encryption key '" + id
          + "' must have at least 8 characters, had " + passphrase.length);
    }
    return new KeyEncryptionKey(id, null, passphrase.clone());
  }

  private static void requireId(String id) {
    Objects.requireNonNull(id, "id");
    if (id.isBlank() || id.length() > 200) {
      throw new IllegalArgumentException("key-encryption key id must be 1 to 200 characters and not blank, was '"
          + id + "'");
    }
  }

  public String id() {
    return id;
  }

  boolean isPassphrase() {
    return passphrase != null;
  }

  byte[] rawBytes() {
    requireNotDestroyed();
    return Objects.requireNonNull(raw, "raw").clone();
  }

  char[] passphraseChars() {
    requireNotDestroyed();
    return Objects.requireNonNull(passphrase, "passphrase").clone();
  }

  /** A destroyed key holds zeros: used, it would seal keys under a KEK anyone can compute. */
  void requireNotDestroyed() {
    if (destroyed) {
      throw new IllegalStateException("key-encryption key '" + id + "' was destroyed; give the key again");
    }
  }

  /**
   * Overwrites the secret held here; the key is unusable afterwards: a store built or rotated with
   * it throws {@link IllegalStateException}. Stores already open keep the key they derived.
   */
  public void destroy() {
    destroyed = true;
    if (raw != null) {
      Arrays.fill(raw, (byte) 0);
    }
    if (passphrase != null) {
      Arrays.fill(passphrase, '\0');
    }
  }

  @Override
  public String toString() {
    return "KeyEncryptionKey[id=" + id + ", " + (passphrase != null ? "passphrase" : "raw") + "]";
  }
}
