package dev.cps.store.jdbc;

/**
 * The key-encryption key given does not open what the database holds: the same id with other
 * bytes or another passphrase, or keys stored under another KEK id. Nothing was written. Give the
 * KEK the keys were stored under; to move them to a new one, open the store with the old KEK and
 * call {@link JdbcStores#rotateKeyEncryptionKey}.
 */
public final class WrongKeyEncryptionKeyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String keyEncryptionKeyId;

  WrongKeyEncryptionKeyException(String keyEncryptionKeyId, String message) {
    super(message);
    this.keyEncryptionKeyId = keyEncryptionKeyId;
  }

  /** The id of the KEK that was given. */
  public String keyEncryptionKeyId() {
    return keyEncryptionKeyId;
  }
}
