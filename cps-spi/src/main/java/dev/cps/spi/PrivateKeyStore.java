package dev.cps.spi;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Optional;

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
