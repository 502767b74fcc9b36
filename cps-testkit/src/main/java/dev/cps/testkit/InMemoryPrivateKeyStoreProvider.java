package dev.cps.testkit;

import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.PrivateKeyStoreProvider;
import java.net.URI;
import java.time.Clock;

/**
 * Builds an {@link InMemoryPrivateKeyStore} for URIs with the scheme {@code memory}, such as
 * {@code memory:default} ({@code memory:} alone is not a legal {@link URI}). Each call builds a new,
 * empty store with its own BouncyCastle provider instance.
 */
public final class InMemoryPrivateKeyStoreProvider implements PrivateKeyStoreProvider {

  @Override
  public boolean accepts(URI location) {
    return "memory".equalsIgnoreCase(location.getScheme());
  }

  @Override
  public PrivateKeyStore create(URI location, Clock clock) {
    if (!accepts(location)) {
      throw new IllegalArgumentException("an in-memory key store needs a memory: URI, not " + location);
    }
    return new InMemoryPrivateKeyStore();
  }
}
