package dev.cps.testkit;

import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.EnrollmentStoreProvider;
import java.net.URI;
import java.time.Clock;

/**
 * Builds an {@link InMemoryEnrollmentStore} for URIs with the scheme {@code memory}, such as
 * {@code memory:default} ({@code memory:} alone is not a legal {@link URI}). Each call builds a new,
 * empty store: nothing is shared between provisioners through a static.
 */
public final class InMemoryEnrollmentStoreProvider implements EnrollmentStoreProvider {

  @Override
  public boolean accepts(URI location) {
    return "memory".equalsIgnoreCase(location.getScheme());
  }

  @Override
  public EnrollmentStore create(URI location, Clock clock) {
    if (!accepts(location)) {
      throw new IllegalArgumentException("an in-memory enrollment store needs a memory: URI, not " + location);
    }
    return new InMemoryEnrollmentStore();
  }
}
