package dev.cps.testkit;

import dev.cps.internal.crypto.Crypto;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.util.Collections;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * A {@link PrivateKeyStore} that keeps key pairs in memory, unencrypted: for tests only, where a
 * key never outlives the JVM.
 *
 * <p>Keys are generated with a JCA provider passed in (BouncyCastle by default), never one looked
 * up in the global {@link java.security.Security} list, so a test cannot change what other code in
 * the JVM gets. Thread-safe; generation for one id happens at most once.
 */
public final class InMemoryPrivateKeyStore implements PrivateKeyStore {

  /** A stored pair. Not a record, so no generated {@code toString} can ever print the key. */
  private static final class Entry {
    final KeyType type;
    final KeyPair pair;

    Entry(KeyType type, KeyPair pair) {
      this.type = type;
      this.pair = pair;
    }
  }

  private final ConcurrentHashMap<KeyId, Entry> keys = new ConcurrentHashMap<>();
  private final Provider provider;
  private final Crypto crypto;

  /** A store that generates keys with a private BouncyCastle provider instance. */
  public InMemoryPrivateKeyStore() {
    this(new BouncyCastleProvider());
  }

  public InMemoryPrivateKeyStore(Provider provider) {
    this.provider = Objects.requireNonNull(provider, "provider");
    this.crypto = Crypto.of(provider);
  }

  @Override
  public PublicKey generate(KeyId id, KeyType type) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Entry entry = keys.computeIfAbsent(id, ignored -> new Entry(type, crypto.generateKeyPair(type)));
    if (!entry.type.equals(type)) {
      throw new IllegalStateException(
          "key " + id + " is already stored as " + entry.type + "; refusing to replace it with " + type);
    }
    return entry.pair.getPublic();
  }

  @Override
  public Optional<PublicKey> publicKey(KeyId id) {
    Entry entry = keys.get(Objects.requireNonNull(id, "id"));
    return entry == null ? Optional.empty() : Optional.of(entry.pair.getPublic());
  }

  @Override
  public PrivateKey privateKey(KeyId id) {
    Entry entry = keys.get(Objects.requireNonNull(id, "id"));
    if (entry == null) {
      throw new NoSuchElementException("no private key is stored under id " + id);
    }
    return entry.pair.getPrivate();
  }

  @Override
  public void delete(KeyId id) {
    keys.remove(Objects.requireNonNull(id, "id"));
  }

  /** How many keys are stored. */
  public int size() {
    return keys.size();
  }

  /** The ids of the stored keys, sorted. */
  public Set<KeyId> ids() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(keys.keySet()));
  }

  @Override
  public String toString() {
    return "InMemoryPrivateKeyStore[" + keys.size() + " keys]";
  }
}
