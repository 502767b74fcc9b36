package dev.cps.store.jdbc;

import dev.cps.internal.crypto.Crypto;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;
import org.jspecify.annotations.Nullable;

/**
 * Private keys as rows of {@code cps_private_key}, envelope-encrypted: the PKCS#8 encoding under a
 * fresh AES-256-GCM data key of its own, and the data key under the host's key-encryption key,
 * whose id is stored beside it. The public key is stored in the clear (X.509), so that {@link
 * #publicKey} and the idempotent {@link #generate} never decrypt anything.
 *
 * <p>A key is written once, by an insert that does nothing if the id is taken: two provisioners
 * generating the same id at once both return the key that was stored first.
 *
 * <p>A row never changes but by a rotation, so the rows this store wrote or read last are kept
 * with their decoded keys, as the in-memory store keeps its own: the engine reads a key back for
 * the CSR, the verification and each deployment. The private key kept is the object the generator
 * made, or the one decrypted first: a signature with a decoded EC key pays for tables the
 * generated one already has (a few milliseconds each), and this store must not cost a CSR more
 * than the in-memory one does. One kept from under another key-encryption key than the store's (a
 * rotation came since) is read, and opened, again, so that a wrong key-encryption key is still
 * refused.
 */
final class JdbcPrivateKeyStore implements PrivateKeyStore {
  private final Database database;
  /** The KEK keys are written and read under; a rotation replaces it. */
  private final Keyring keyring;
  private final Provider provider;
  private final Crypto crypto;
  private final Clock clock;
  private final Recent<KeyId, Known> recent = new Recent<>(RECENT);
  /**
   * Shared while a new key is sealed under the current KEK until its insert is handed to the
   * database (which runs the writes it is handed in order); exclusive for a rotation, so that no
   * key sealed under the old KEK is inserted after the rotation has re-sealed the rest.
   */
  private final ReadWriteLock sealing = new ReentrantReadWriteLock();

  /**
   * Enough for the keys of the enrollments a provisioner works on at once (see the enrollment
   * store's): at 512, nearly every key was read, decrypted and decoded again for its deployment.
   */
  private static final int RECENT = 1024;

  /**
   * A row as read or written, its public key decoded, and its private key once opened; {@code
   * durable} completes once the row is (at once for a row read or inserted before it was kept), so
   * that a key whose insert still waits for its group is never reported as stored.
   */
  private record Known(StoredKey stored, PublicKey publicKey, @Nullable PrivateKey privateKey,
      CompletableFuture<PublicKey> durable) {
    Known(StoredKey stored, PublicKey publicKey, @Nullable PrivateKey privateKey) {
      this(stored, publicKey, privateKey, CompletableFuture.completedFuture(publicKey));
    }

    Known opened(PrivateKey key) {
      return new Known(stored, publicKey, key, durable);
    }

    Known withDurable(CompletableFuture<PublicKey> insert) {
      return new Known(stored, publicKey, privateKey, insert);
    }

    @Override
    public String toString() {
      return "Known[" + stored.id() + "]";
    }
  }

  JdbcPrivateKeyStore(Database database, Keyring keyring, Provider provider, Clock clock) {
    this.database = database;
    this.keyring = keyring;
    this.provider = provider;
    this.crypto = Crypto.of(provider);
    this.clock = clock;
  }

  /** What a row holds, the secret part still sealed. */
  record StoredKey(KeyId id, KeyType type, byte[] publicKey, String kekId, byte[] wrappedDataKey,
      byte[] encryptedPrivateKey) {}

  /** Inserts first: a key generated again for a stored id is thrown away, and the stored one returned. */
  @Override
  public PublicKey generate(KeyId id, KeyType type) {
    Known known = known(id, type);
    if (known != null) {
      PublicKey stored = onceDurable(known);
      if (stored != null) {
        return stored;
      }
    }
    NewKey generated;
    int inserted;
    Lock shared = sealing.readLock();
    shared.lock();
    try {
      generated = newKey(id, type);
      inserted = database.write(generated.operation(), INSERT, generated.binder());
    } finally {
      shared.unlock();
    }
    if (inserted == 1) {
      recent.put(id, generated.known());
      return generated.known().publicKey();
    }
    return storedFirst(id, type);
  }

  /**
   * The key is kept (and answers) before this returns; with SQLite, its insert rides the next group
   * commit. An insert that finds the id taken, or fails, leaves the key kept no longer. Asked for
   * again meanwhile, by either call, the key is reported stored only once its insert is durable.
   * Each caller gets a copy of the kept future, and waiting for it commits the queued writes, as
   * waiting for the insert's own future does.
   */
  @Override
  public Generated generateAsync(KeyId id, KeyType type) {
    Known known = known(id, type);
    if (known != null) {
      return new Generated(known.publicKey(), known.durable().copy()); // an insert under way is waited for
    }
    NewKey generated;
    CompletableFuture<PublicKey> stored;
    Lock shared = sealing.readLock();
    shared.lock();
    try {
      generated = newKey(id, type);
      StoredKey ours = generated.known().stored();
      stored = database.writeAsync(generated.operation(), INSERT, generated.binder())
          .handle((inserted, failure) -> {
            if (failure == null && inserted == 1) {
              return generated.known().publicKey();
            }
            recent.forgetIf(id, kept -> kept.stored() == ours); // before reading what was stored first
            if (failure != null) {
              throw failure instanceof RuntimeException e ? e : new IllegalStateException(failure);
            }
            return storedFirst(id, type);
          });
      // Kept with the insert's future; one that failed or lost, meanwhile or already (PostgreSQL
      // writes at once), is forgotten again once that future says so, which is after this put.
      recent.put(id, generated.known().withDurable(stored));
      stored.whenComplete((key, failure) -> {
        if (key != generated.known().publicKey()) {
          recent.forgetIf(id, kept -> kept.stored() == ours);
        }
      });
    } finally {
      shared.unlock();
    }
    if (stored.isDone() && !stored.isCompletedExceptionally()) {
      return new Generated(stored.join(), stored.copy()); // written at once (PostgreSQL): sign with what is stored
    }
    return new Generated(generated.known().publicKey(), stored.copy());
  }

  /**
   * Runs a rotation while no key is being sealed or handed to the database, and lets keys be
   * generated again only once it returned (with the new KEK in place).
   */
  <T> T whileNoKeyIsSealed(Supplier<T> rotation) {
    Lock exclusive = sealing.writeLock();
    exclusive.lock();
    try {
      return rotation.get();
    } finally {
      exclusive.unlock();
    }
  }

  private static final String INSERT = "INSERT INTO cps_private_key (id, key_type, public_key, kek_id,"
      + " wrapped_data_key, encrypted_private_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING";

  /**
   * The public key stored under the kept key's id, once its insert is durable; null if that insert
   * failed, which left the key kept no longer.
   */
  private static @Nullable PublicKey onceDurable(Known known) {
    try {
      return known.durable().join();
    } catch (CompletionException | CancellationException e) {
      return null;
    }
  }

  /** The key kept under the id, if any, refused if of another type. */
  private @Nullable Known known(KeyId id, KeyType type) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Known known = recent.get(id);
    if (known != null) {
      requireType(known, type);
    }
    return known;
  }

  /** The public key of the key another writer stored under the id before this store's insert. */
  private PublicKey storedFirst(KeyId id, KeyType type) {
    Known stored = Objects.requireNonNull(find(id), "a key that was stored first");
    requireType(stored, type);
    return stored.publicKey();
  }

  private static void requireType(Known known, KeyType type) {
    if (!known.stored().type().equals(type)) {
      throw new IllegalStateException("key " + known.stored().id() + " is already stored as "
          + known.stored().type() + "; refusing to replace it with " + type);
    }
  }

  /** A key generated and sealed, not stored yet, with the insert that stores it. */
  private record NewKey(Known known, String operation, Database.Binder binder) {}

  private NewKey newKey(KeyId id, KeyType type) {
    KeyEncryptionKeys.Resolved kek = keyring.current();
    KeyPair pair = crypto.generateKeyPair(type);
    byte[] publicKey = pair.getPublic().getEncoded();
    byte[] pkcs8 = pair.getPrivate().getEncoded();
    SealedKey sealed;
    try {
      sealed = seal(id, type, pkcs8, kek);
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
    StoredKey stored = new StoredKey(id, type, publicKey, kek.id(), sealed.wrappedDataKey(),
        sealed.encryptedPrivateKey());
    Known known = new Known(stored, pair.getPublic(), pair.getPrivate());
    long createdAt = Micros.down(clock.instant());
    return new NewKey(known, "storing private key " + id, statement -> {
      statement.setString(1, id.value());
      statement.setString(2, type.toString());
      statement.setBytes(3, publicKey);
      statement.setString(4, kek.id());
      statement.setBytes(5, sealed.wrappedDataKey());
      statement.setBytes(6, sealed.encryptedPrivateKey());
      statement.setLong(7, createdAt);
    });
  }

  @Override
  public Optional<PublicKey> publicKey(KeyId id) {
    Known known = find(Objects.requireNonNull(id, "id"));
    return known == null ? Optional.empty() : Optional.of(known.publicKey());
  }

  /**
   * @throws WrongKeyEncryptionKeyException if the key is stored under another key-encryption key
   *     or does not open with this one
   */
  @Override
  public PrivateKey privateKey(KeyId id) {
    Known known = find(Objects.requireNonNull(id, "id"));
    if (known != null && !known.stored().kekId().equals(keyring.current().id())) {
      // Kept from before a rotation, maybe: the row may hold other bytes now.
      recent.forget(id);
      known = find(id);
    }
    if (known == null) {
      throw new NoSuchElementException("no private key is stored under id " + id);
    }
    if (known.privateKey() != null) {
      return known.privateKey();
    }
    StoredKey stored = known.stored();
    byte[] pkcs8 = open(stored, keyring.opening(stored.kekId()));
    try {
      PrivateKey key = KeyFactory.getInstance(stored.type().algorithm().name(), provider)
          .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      recent.replace(id, known, known.opened(key));
      return key;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the private key " + id + " decrypted, but is not a " + stored.type() + " key",
          withoutDetail(e));
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
  }

  @Override
  public void delete(KeyId id) {
    Objects.requireNonNull(id, "id");
    recent.forget(id);
    database.write("deleting private key " + id, "DELETE FROM cps_private_key WHERE id = ?",
        statement -> statement.setString(1, id.value()));
    recent.forget(id); // and what a read on another thread kept meanwhile
  }

  private @Nullable Known find(KeyId id) {
    Known known = recent.get(id);
    if (known != null) {
      return known;
    }
    StoredKey stored = database.read("reading key " + id, connection -> {
      try (PreparedStatement statement = connection.prepareStatement("SELECT key_type, public_key, kek_id,"
          + " wrapped_data_key, encrypted_private_key FROM cps_private_key WHERE id = ?")) {
        statement.setString(1, id.value());
        try (ResultSet row = statement.executeQuery()) {
          if (!row.next()) {
            return null;
          }
          return new StoredKey(id, keyType(id, row.getString(1)), row.getBytes(2), row.getString(3), row.getBytes(4),
              row.getBytes(5));
        }
      }
    });
    if (stored == null) {
      return null;
    }
    known = new Known(stored, decodePublic(stored), null);
    recent.put(id, known);
    return known;
  }

  record SealedKey(byte[] wrappedDataKey, byte[] encryptedPrivateKey) {}

  /** Encrypts the PKCS#8 encoding under a new data key, and the data key under the KEK. */
  static SealedKey seal(KeyId id, KeyType type, byte[] pkcs8, KeyEncryptionKeys.Resolved kek) {
    SecretKey dataKey = Envelope.newKey();
    byte[] dataKeyBytes = dataKey.getEncoded();
    try {
      return new SealedKey(Envelope.seal(kek.key(), dataKeyBytes, dataKeyData(id, kek.id())),
          Envelope.seal(dataKey, pkcs8, privateKeyData(id, type)));
    } finally {
      Arrays.fill(dataKeyBytes, (byte) 0);
    }
  }

  /** The PKCS#8 encoding; the caller wipes it. */
  static byte[] open(StoredKey stored, KeyEncryptionKeys.Resolved kek) {
    if (!stored.kekId().equals(kek.id())) {
      throw new WrongKeyEncryptionKeyException(kek.id(), "private key " + stored.id()
          + " is encrypted under key-encryption key '" + stored.kekId() + "', but this store has '" + kek.id()
          + "': open the store with '" + stored.kekId() + "', or rotate from it to '" + kek.id() + "'");
    }
    byte[] dataKeyBytes = null;
    try {
      dataKeyBytes = Envelope.open(kek.key(), stored.wrappedDataKey(), dataKeyData(stored.id(), kek.id()));
      return Envelope.open(Envelope.aesKey(dataKeyBytes), stored.encryptedPrivateKey(),
          privateKeyData(stored.id(), stored.type()));
    } catch (AEADBadTagException e) {
      throw new WrongKeyEncryptionKeyException(kek.id(), "private key " + stored.id() + " does not open with"
          + " key-encryption key '" + kek.id() + "': the KEK is wrong or the row was altered");
    } finally {
      if (dataKeyBytes != null) {
        Arrays.fill(dataKeyBytes, (byte) 0);
      }
    }
  }

  private static String dataKeyData(KeyId id, String kekId) {
    return "cps data key|" + id.value() + "|" + kekId;
  }

  private static String privateKeyData(KeyId id, KeyType type) {
    return "cps private key|" + id.value() + "|" + type;
  }

  private PublicKey decodePublic(StoredKey stored) {
    try {
      return KeyFactory.getInstance(stored.type().algorithm().name(), provider)
          .generatePublic(new X509EncodedKeySpec(stored.publicKey()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the public key " + stored.id() + " is not a " + stored.type() + " key", e);
    }
  }

  /** Reads back {@link KeyType#toString()}: {@code EC-P256}, {@code RSA-2048}, ... */
  static KeyType keyType(KeyId id, String stored) {
    try {
      if (stored.startsWith("EC-P")) {
        return KeyType.ec(Integer.parseInt(stored.substring("EC-P".length())));
      }
      if (stored.startsWith("RSA-")) {
        return KeyType.rsa(Integer.parseInt(stored.substring("RSA-".length())));
      }
    } catch (RuntimeException e) {
      // reported below
    }
    throw new IllegalStateException("key " + id + " has an unknown key_type '" + stored + "'");
  }

  /** A provider's message about a key could quote it; only the exception's type goes on. */
  private static GeneralSecurityException withoutDetail(GeneralSecurityException e) {
    return new GeneralSecurityException(e.getClass().getName());
  }

  @Override
  public String toString() {
    return "JdbcPrivateKeyStore[" + database.dialect + ", key-encryption key " + keyring.current().id() + "]";
  }
}
