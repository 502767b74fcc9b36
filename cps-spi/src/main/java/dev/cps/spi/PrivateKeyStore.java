package dev.cps.spi;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Generates and keeps private keys. Keys are generated inside the store and leave it only for
 * signing a CSR and for deployment; implementations keep them encrypted at rest or never export
 * them, and never show them in {@code toString}, logs or exceptions.
 */
public interface PrivateKeyStore {

  /**
   * Generates and stores a key pair under {@code id}, and returns its public key. Idempotent: if a
   * key of that type is already stored under the id, returns its public key and generates nothing.
   *
   * @throws IllegalStateException if a key of another type is stored under the id
   */
  PublicKey generate(KeyId id, KeyType type);

  /**
   * Like {@link #generate}, but may return before the key is durable: {@link #publicKey} and
   * {@link #privateKey} answer for the returned key in this process as soon as this returns, and
   * the future completes once a key under the id is durable, with its public key: the one returned,
   * or the one another process stored first, which answers from then on. The engine signs the CSR
   * at once, and sends it nowhere before the future completed and the CSR's key is the stored one.
   * The future may complete on a thread of the store's: wait for it rather than chain work on it.
   *
   * <p>The default generates through {@link #generate} before it returns.
   *
   * @return the public key of the key to sign with now, and the key stored once durable
   * @throws IllegalStateException if a key of another type is stored under the id and the store
   *     knows it at once; one that learns it only as it writes fails the future with it instead
   */
  default Generated generateAsync(KeyId id, KeyType type) {
    PublicKey key = generate(id, type);
    return new Generated(key, CompletableFuture.completedFuture(key));
  }

  /**
   * A key handed to the store without waiting for it: the public key to sign with now, and, once
   * durable, the one stored under the id.
   */
  record Generated(PublicKey publicKey, CompletableFuture<PublicKey> stored) {
    public Generated {
      Objects.requireNonNull(publicKey, "publicKey");
      Objects.requireNonNull(stored, "stored");
    }

    @Override
    public String toString() {
      return "Generated[" + publicKey.getAlgorithm() + " public key]";
    }
  }

  /** The public key stored under the id. */
  Optional<PublicKey> publicKey(KeyId id);

  /**
   * Hands out the private key for signing a CSR or deploying.
   *
   * @throws java.util.NoSuchElementException if no key is stored under the id
   */
  PrivateKey privateKey(KeyId id);

  /** Deletes the key; nothing happens if there is none. */
  void delete(KeyId id);
}
