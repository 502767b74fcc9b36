package dev.cps.store.jdbc;

import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.PrivateKeyStoreProvider;
import java.net.URI;
import java.time.Clock;
import java.util.List;

/**
 * Builds the private-key store for {@code jdbc:sqlite:<file>} and {@code jdbc:postgresql://...}
 * URIs, on the same pool as the enrollment store of that URI. The key-encryption key comes from
 * the system property {@code cps.store.kek} or the environment variable {@code CPS_STORE_KEK}:
 * {@code raw:<id>:<base64 of 32 bytes>} or {@code passphrase:<id>:<passphrase>}.
 */
public final class JdbcPrivateKeyStoreProvider implements PrivateKeyStoreProvider {
  @Override
  public boolean accepts(URI location) {
    return ProviderConfiguration.accepts(location);
  }

  @Override
  public PrivateKeyStore create(URI location, Clock clock) {
    Database database = ProviderConfiguration.database(location, clock);
    KeyEncryptionKeys.Resolved kek =
        KeyEncryptionKeys.resolve(database, ProviderConfiguration.keyEncryptionKey(location), clock);
    Keyring keyring = new Keyring(kek, List.of());
    JdbcStores.requireNoKeysUnderOtherKeks(database, keyring.ids());
    return new JdbcPrivateKeyStore(database, keyring, JdbcStores.defaultProvider(), clock);
  }
}
