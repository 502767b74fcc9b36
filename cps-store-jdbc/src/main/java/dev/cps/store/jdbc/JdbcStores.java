package dev.cps.store.jdbc;

import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.PrivateKeyStore;
import java.security.Provider;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.jspecify.annotations.Nullable;

/**
 * An enrollment store and a private-key store on one database: an SQLite file on one machine,
 * PostgreSQL when several provisioners share the work. Building it opens (or takes) the pool,
 * migrates the schema and checks the key-encryption key.
 *
 * <pre>{@code
 * JdbcStores stores = JdbcStores.builder()
 *     .url("jdbc:sqlite:cps.db")
 *     .keyEncryptionKey(KeyEncryptionKey.raw("kek-2026", kekBytes))
 *     .build();
 * CertificateProvisioner provisioner = CertificateProvisioner.builder()
 *     .enrollmentStore(stores.enrollments())
 *     .keyStore(stores.keys())
 *     ...
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} closes the pool if this object opened it, not a data source
 * the host gave.
 */
public final class JdbcStores implements AutoCloseable {
  /** Built on first use: a BouncyCastle provider takes a few hundred milliseconds to set up. */
  private static final class DefaultProvider {
    static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();
  }

  private final Database database;
  private final @Nullable AutoCloseable ownPool;
  private final Clock clock;
  private final JdbcEnrollmentStore enrollments;
  private final @Nullable JdbcPrivateKeyStore keys;
  private final @Nullable Keyring keyring;

  private JdbcStores(Database database, @Nullable AutoCloseable ownPool, Clock clock,
      @Nullable KeyEncryptionKey keyEncryptionKey, List<KeyEncryptionKey> previousKeks, Provider provider) {
    this.database = database;
    this.ownPool = ownPool;
    this.clock = clock;
    this.enrollments = new JdbcEnrollmentStore(database, clock);
    if (keyEncryptionKey != null) {
      this.keyring = keyring(database, keyEncryptionKey, previousKeks, clock);
      this.keys = new JdbcPrivateKeyStore(database, keyring, provider, clock);
    } else {
      this.keyring = null;
      this.keys = null;
    }
  }

  /**
   * The ring of the KEK and the previous ones, each checked against (or, new, recorded in) the
   * database, refused if keys are stored under a KEK outside it. With one KEK that check comes
   * before the KEK is recorded, as one id needs no record to be checked: a store refused for keys
   * under another KEK leaves the id to the secret given next time.
   */
  static Keyring keyring(Database database, KeyEncryptionKey current, List<KeyEncryptionKey> previousKeks,
      Clock clock) {
    if (previousKeks.isEmpty()) {
      requireNoKeysUnderOtherKeks(database, Set.of(current.id()));
    }
    KeyEncryptionKeys.Resolved resolved = KeyEncryptionKeys.resolve(database, current, clock);
    List<KeyEncryptionKeys.Resolved> previous = new ArrayList<>();
    for (KeyEncryptionKey earlier : previousKeks) {
      previous.add(KeyEncryptionKeys.resolve(database, earlier, clock));
    }
    Keyring ring = new Keyring(resolved, previous);
    if (!previous.isEmpty()) {
      requireNoKeysUnderOtherKeks(database, ring.ids());
    }
    return ring;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The enrollment store: documents, the due index, leases and the version fence. */
  public EnrollmentStore enrollments() {
    return enrollments;
  }

  /**
   * The private-key store.
   *
   * @throws IllegalStateException if no key-encryption key was given
   */
  public PrivateKeyStore keys() {
    if (keys == null) {
      throw new IllegalStateException("keyEncryptionKey is required for the private-key store: give one to"
          + " JdbcStores.builder().keyEncryptionKey(...)");
    }
    return keys;
  }

  /**
   * Re-encrypts every private key under {@code next}, in one transaction, and uses {@code next}
   * from then on; the KEK it replaces still opens keys here. Keys this store generates meanwhile
   * wait for the rotation. Stop the other provisioners on the same database first and start them
   * again with {@code next}: until then they refuse the rotated keys with {@link
   * WrongKeyEncryptionKeyException}, and a key one of them generates is sealed under the old KEK.
   * A store opened with {@code next} alone refuses such keys; opened with the old KEK among {@link
   * Builder#previousKeyEncryptionKeys}, it opens them, and a rotation to {@code next} moves them.
   *
   * @return how many keys were re-encrypted
   * @throws WrongKeyEncryptionKeyException if {@code next} is recorded with another secret, or a
   *     stored key does not open with the current KEK; nothing is written then
   * @throws IllegalStateException if another node's rotation moved a key while this one ran; nothing
   *     is written then, and the other rotation stands
   */
  public synchronized int rotateKeyEncryptionKey(KeyEncryptionKey next) {
    Objects.requireNonNull(next, "next");
    Keyring ring = keyring;
    if (ring == null) {
      throw new IllegalStateException("this store was built without a key-encryption key: nothing to rotate from");
    }
    KeyEncryptionKeys.Resolved to = KeyEncryptionKeys.resolve(database, next, clock);
    // Keys generated meanwhile wait, then are sealed under the new KEK: one sealed under the old
    // KEK and inserted after the rotation would be left under it.
    return Objects.requireNonNull(keys).whileNoKeyIsSealed(() -> {
      ring.opens(to); // a key read between the commit and the switch below opens already
      int rotated = KeyRotation.rotate(database, ring, to);
      ring.rotatedTo(to);
      return rotated;
    });
  }

  /**
   * The enrollments whose stored documents cannot be read, with what is wrong with each, in id
   * order. Such rows are left out of {@code list()} and quarantined by the engine; they need repair.
   * Reads every document.
   */
  public Map<EnrollmentId, String> corruptEnrollments() {
    Map<EnrollmentId, String> corrupt = new TreeMap<>();
    for (CorruptEnrollmentException e : enrollments.corrupt()) {
      corrupt.put(e.enrollment(), e.getMessage());
    }
    return corrupt;
  }

  /** The schema version the database is at. */
  public int schemaVersion() {
    return database.read("reading the schema version", connection -> {
      try (PreparedStatement statement = connection.prepareStatement("SELECT MAX(version) FROM cps_schema_version");
          ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getInt(1);
      }
    });
  }

  static Provider defaultProvider() {
    return DefaultProvider.BOUNCY_CASTLE;
  }

  Database database() {
    return database;
  }

  @Override
  public void close() {
    database.close();
    if (ownPool != null) {
      try {
        ownPool.close();
      } catch (Exception e) {
        throw new JdbcStoreException("closing the connection pool", e);
      }
    }
  }

  @Override
  public String toString() {
    Keyring ring = keyring;
    return "JdbcStores[" + database.dialect + (ring == null ? "" : ", key-encryption key " + ring.current().id()) + "]";
  }

  /**
   * Keys under a KEK outside the ring mean the host gave a new KEK without rotating: every such key
   * would be refused at use. Said at once instead. One index range between each two of the ring's
   * ids, whatever the number of keys.
   */
  static void requireNoKeysUnderOtherKeks(Database database, Set<String> ring) {
    List<String> ids = inDatabaseOrder(database, ring);
    StringBuilder outside = new StringBuilder("kek_id < ?");
    for (int i = 1; i < ids.size(); i++) {
      outside.append(" OR (kek_id > ? AND kek_id < ?)");
    }
    outside.append(" OR kek_id > ?");
    String other = database.read("checking the key-encryption key of the stored keys", connection -> {
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT kek_id FROM cps_private_key WHERE " + outside + " LIMIT 1")) {
        int parameter = 1;
        statement.setString(parameter++, ids.get(0));
        for (int i = 1; i < ids.size(); i++) {
          statement.setString(parameter++, ids.get(i - 1));
          statement.setString(parameter++, ids.get(i));
        }
        statement.setString(parameter, ids.get(ids.size() - 1));
        try (ResultSet row = statement.executeQuery()) {
          return row.next() ? row.getString(1) : null;
        }
      }
    });
    if (other != null) {
      String current = ids.size() == 1 ? ids.get(0) : String.join("', '", ids);
      throw new WrongKeyEncryptionKeyException(ids.get(0), "private keys are stored under key-encryption key '"
          + other + "', but '" + current + "' " + (ids.size() == 1 ? "was" : "were") + " given: open the store with '"
          + other + "' among previousKeyEncryptionKeys and call rotateKeyEncryptionKey to move them (through the"
          + " ServiceLoader providers: give '" + other + "', as raw:<id>:<base64> or passphrase:<id>:<passphrase>, in "
          + ProviderConfiguration.PREVIOUS_KEK_VARIABLE + " or -D" + ProviderConfiguration.PREVIOUS_KEK_PROPERTY + ")");
    }
  }

  /**
   * The ids as the database orders them (a PostgreSQL column's collation need not be Java's), so
   * that the ranges between them hold no id of the ring. Each is recorded when resolved.
   */
  private static List<String> inDatabaseOrder(Database database, Set<String> ids) {
    if (ids.size() == 1) {
      return List.copyOf(ids);
    }
    List<String> given = List.copyOf(ids);
    return database.read("ordering the key-encryption keys' ids", connection -> {
      String marks = String.join(", ", Collections.nCopies(given.size(), "?"));
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT id FROM cps_key_encryption_key WHERE id IN (" + marks + ") ORDER BY id")) {
        for (int i = 0; i < given.size(); i++) {
          statement.setString(i + 1, given.get(i));
        }
        List<String> ordered = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            ordered.add(rows.getString(1));
          }
        }
        if (ordered.size() != given.size()) {
          throw new IllegalStateException("key-encryption keys " + given + " are not all recorded: " + ordered);
        }
        return ordered;
      }
    });
  }

  static Database open(DataSource dataSource, Clock clock) {
    Dialect dialect;
    try (Connection connection = dataSource.getConnection()) {
      dialect = Dialect.of(connection);
    } catch (SQLException e) {
      throw new JdbcStoreException("connecting to the database", e);
    }
    Database database = new Database(dataSource, dialect);
    try {
      Migrations.migrate(database, clock);
    } catch (RuntimeException | Error e) {
      database.close(); // the writing connection goes back to the pool
      throw e;
    }
    return database;
  }

  /** Configures {@link JdbcStores}; give a URL or a data source. */
  public static final class Builder {
    private @Nullable String url;
    private @Nullable DataSource dataSource;
    private @Nullable KeyEncryptionKey keyEncryptionKey;
    private final List<KeyEncryptionKey> previousKeyEncryptionKeys = new ArrayList<>();
    private @Nullable Clock clock;
    private @Nullable Provider cryptoProvider;
    private int poolSize;
    private @Nullable String sqliteSynchronous;

    private Builder() {}

    /** A JDBC URL: {@code jdbc:sqlite:<file>} or {@code jdbc:postgresql://...}; a HikariCP pool is opened. */
    public Builder url(String url) {
      requireUnset("url", this.url == null ? null : Pools.redact(this.url));
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * The host's own data source, SQLite or PostgreSQL; this object never closes it. An SQLite
     * data source should open its connections with {@code transaction_mode=IMMEDIATE} and a busy
     * timeout, as the pool this module opens for a URL does, and hand out at least two at once: the
     * stores keep one for writing.
     */
    public Builder dataSource(DataSource dataSource) {
      requireUnset("dataSource", this.dataSource);
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /** The host's key-encryption key. Required for {@link #keys()}. */
    public Builder keyEncryptionKey(KeyEncryptionKey key) {
      requireUnset("keyEncryptionKey", keyEncryptionKey);
      this.keyEncryptionKey = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * Key-encryption keys that keys may still be sealed under: such keys open, and {@link
     * #rotateKeyEncryptionKey} re-seals them under the current one. For keys another provisioner
     * sealed under the old KEK while this one rotated away from it.
     */
    public Builder previousKeyEncryptionKeys(KeyEncryptionKey... previous) {
      if (!previousKeyEncryptionKeys.isEmpty()) {
        throw new IllegalStateException("previousKeyEncryptionKeys was already set");
      }
      for (KeyEncryptionKey key : previous) {
        previousKeyEncryptionKeys.add(Objects.requireNonNull(key, "previous key-encryption key"));
      }
      return this;
    }

    /** For leases and the instants the stores record. Default: the system clock in UTC. */
    public Builder clock(Clock clock) {
      requireUnset("clock", this.clock);
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The JCA provider that generates and decodes keys. Default: BouncyCastle, registered nowhere. */
    public Builder cryptoProvider(Provider provider) {
      requireUnset("cryptoProvider", cryptoProvider);
      this.cryptoProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * The most connections the pool opened for {@link #url} holds. Default: 4 for SQLite, 10 for
     * PostgreSQL. SQLite needs at least 2: the stores keep one for writing, and read on the others.
     */
    public Builder poolSize(int size) {
      if (poolSize != 0) {
        throw new IllegalStateException("poolSize was already set to " + poolSize);
      }
      if (size < 1 || size > 1000) {
        throw new IllegalArgumentException("poolSize must be between 1 and 1000, was " + size);
      }
      this.poolSize = size;
      return this;
    }

    /**
     * SQLite's {@code synchronous} setting for a URL: {@code FULL} (the default) makes every commit
     * durable against power loss; {@code NORMAL} against a crash of the process only, with fewer
     * disk flushes.
     */
    public Builder sqliteSynchronous(String mode) {
      requireUnset("sqliteSynchronous", sqliteSynchronous);
      String upper = Objects.requireNonNull(mode, "mode").toUpperCase(Locale.ROOT);
      if (!upper.equals("FULL") && !upper.equals("NORMAL") && !upper.equals("EXTRA")) {
        throw new IllegalArgumentException("sqliteSynchronous must be FULL, NORMAL or EXTRA, was '" + mode + "'");
      }
      this.sqliteSynchronous = upper;
      return this;
    }

    /**
     * Opens the pool (for a URL), migrates the schema and checks the key-encryption key.
     *
     * @throws IllegalStateException if neither or both of url and dataSource are given, or an
     *     option was given that does not apply to the one given (poolSize and sqliteSynchronous
     *     configure the pool opened for a url; sqliteSynchronous, an SQLite one)
     * @throws WrongKeyEncryptionKeyException if the KEK does not open what the database holds
     */
    public JdbcStores build() {
      if ((url == null) == (dataSource == null)) {
        throw new IllegalStateException("give exactly one of url (such as jdbc:sqlite:cps.db) and dataSource");
      }
      // Checked before anything is opened: a refused build leaves no database file behind.
      if (dataSource != null && (poolSize != 0 || sqliteSynchronous != null)) {
        throw new IllegalStateException((poolSize != 0 ? "poolSize " + poolSize : "sqliteSynchronous "
            + sqliteSynchronous) + " configures the pool opened for a url; with a dataSource, configure that"
            + " data source instead");
      }
      if (url != null && sqliteSynchronous != null && !Pools.isSqlite(url)) {
        throw new IllegalStateException("sqliteSynchronous " + sqliteSynchronous + " is for an SQLite url, was '"
            + Pools.redact(url) + "'");
      }
      if (keyEncryptionKey == null && !previousKeyEncryptionKeys.isEmpty()) {
        throw new IllegalStateException("previousKeyEncryptionKeys needs a keyEncryptionKey to rotate to");
      }
      if (keyEncryptionKey != null) {
        keyEncryptionKey.requireNotDestroyed();
      }
      previousKeyEncryptionKeys.forEach(KeyEncryptionKey::requireNotDestroyed);
      Clock clock = this.clock != null ? this.clock : Clock.systemUTC();
      Provider provider = cryptoProvider != null ? cryptoProvider : defaultProvider();
      if (dataSource != null) {
        Database database = open(dataSource, clock);
        try {
          return new JdbcStores(database, null, clock, keyEncryptionKey, previousKeyEncryptionKeys, provider);
        } catch (RuntimeException | Error e) {
          database.close(); // the host's pool gets its connections back
          throw e;
        }
      }
      if (Pools.isSqlite(Objects.requireNonNull(url)) && poolSize == 1) {
        throw new IllegalArgumentException("poolSize must be at least 2 for SQLite (the stores keep one connection"
            + " for writing and read on the others), was 1");
      }
      var pool = Pools.open(url, poolSize,
          sqliteSynchronous != null ? sqliteSynchronous : "FULL");
      try {
        Database database = open(pool, clock);
        try {
          return new JdbcStores(database, pool, clock, keyEncryptionKey, previousKeyEncryptionKeys, provider);
        } catch (RuntimeException | Error e) {
          // The writing connection first: a pool that closes with it still out only drops it, and
          // SQLite's driver then never closes the file.
          database.close();
          throw e;
        }
      } catch (RuntimeException | Error e) {
        pool.close();
        throw e;
      }
    }

    private static void requireUnset(String property, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(property + " was already set to " + current);
      }
    }
  }
}
