package dev.cps.store.jdbc;

import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.PrivateKeyStoreProvider;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the private-key store for {@code jdbc:sqlite:<file>} and {@code jdbc:postgresql://...}
 * URIs, on the same pool as the enrollment store of that URI. The key-encryption key comes from
 * the system property {@code cps.store.kek} or the environment variable {@code CPS_STORE_KEK}:
 * {@code raw:<id>:<base64 of 32 bytes>} or {@code passphrase:<id>:<passphrase>}.
 *
 * <p>To rotate it, start with the new KEK there and the old one, in the same form, in {@code
 * cps.store.previous-kek} or {@code CPS_STORE_PREVIOUS_KEK}: the store re-seals the keys still under
 * the old KEK under the new one before it is handed out, and opens any that a provisioner not yet
 * restarted seals under the old one meanwhile (the next start with both moves those). A provisioner
 * still running with the old KEK alone cannot open the re-sealed keys: with several, first start
 * each with the old KEK as the current one and the new one as the previous one, then swap them.
 * Once every provisioner runs with the new KEK, drop the old one. A re-sealing that fails (a key
 * that does not open, the database busy) is logged and tried again on the next start; the store
 * opens the keys under either KEK meanwhile.
 */
public final class JdbcPrivateKeyStoreProvider implements PrivateKeyStoreProvider {
  private static final Logger log = LoggerFactory.getLogger(JdbcPrivateKeyStoreProvider.class);

  @Override
  public boolean accepts(URI location) {
    return ProviderConfiguration.accepts(location);
  }

  @Override
  public PrivateKeyStore create(URI location, Clock clock) {
    // The KEKs first: one missing or malformed opens no database (and creates no file).
    KeyEncryptionKey given = ProviderConfiguration.keyEncryptionKey(location);
    Optional<KeyEncryptionKey> earlier = ProviderConfiguration.previousKeyEncryptionKey();
    Database database = ProviderConfiguration.database(location, clock);
    Keyring keyring = JdbcStores.keyring(database, given, earlier.stream().toList(), clock);
    KeyEncryptionKeys.Resolved kek = keyring.current();
    JdbcPrivateKeyStore keys = new JdbcPrivateKeyStore(database, keyring, JdbcStores.defaultProvider(), clock);
    if (earlier.isPresent()) {
      try {
        int moved = KeyRotation.rotate(database, keyring, kek);
        log.info("Re-sealed {} private key(s) under key-encryption key '{}' (from '{}')", moved, kek.id(),
            earlier.get().id());
      } catch (RuntimeException e) {
        // The ring opens keys under either KEK: the store works, and the next start tries again.
        log.warn("Re-sealing the private keys under key-encryption key '{}' (from '{}') failed, nothing was"
            + " changed; trying again on the next start: {}", kek.id(), earlier.get().id(), e.toString());
      }
    }
    return keys;
  }
}
