package dev.cps.tests;

import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Optional;

/** A key store in front of another: a test overrides only what it changes. */
abstract class ForwardingPrivateKeyStore implements PrivateKeyStore {
  final PrivateKeyStore stored;

  ForwardingPrivateKeyStore(PrivateKeyStore stored) {
    this.stored = stored;
  }

  @Override
  public PublicKey generate(KeyId id, KeyType type) {
    return stored.generate(id, type);
  }

  @Override
  public Generated generateAsync(KeyId id, KeyType type) {
    return stored.generateAsync(id, type);
  }

  @Override
  public Optional<PublicKey> publicKey(KeyId id) {
    return stored.publicKey(id);
  }

  @Override
  public PrivateKey privateKey(KeyId id) {
    return stored.privateKey(id);
  }

  @Override
  public void delete(KeyId id) {
    stored.delete(id);
  }
}
