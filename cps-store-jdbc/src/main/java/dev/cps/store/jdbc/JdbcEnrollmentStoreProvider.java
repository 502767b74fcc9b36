package dev.cps.store.jdbc;

import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.EnrollmentStoreProvider;
import java.net.URI;
import java.time.Clock;

/**
 * Builds the enrollment store for {@code jdbc:sqlite:<file>} and {@code jdbc:postgresql://...}
 * URIs. The pool for a URI is opened and migrated once and kept for the life of the JVM; a host
 * that wants to close it builds {@link JdbcStores} itself.
 */
public final class JdbcEnrollmentStoreProvider implements EnrollmentStoreProvider {
  @Override
  public boolean accepts(URI location) {
    return ProviderConfiguration.accepts(location);
  }

  @Override
  public EnrollmentStore create(URI location, Clock clock) {
    return new JdbcEnrollmentStore(ProviderConfiguration.database(location, clock), clock);
  }
}
