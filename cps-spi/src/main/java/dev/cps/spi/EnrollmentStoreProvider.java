package dev.cps.spi;

import java.net.URI;
import java.time.Clock;

/**
 * Builds a {@link EnrollmentStore} from a URI such as {@code memory:default}. Found through
 * {@link java.util.ServiceLoader}; exactly one provider on the class path may accept a URI.
 * Register in {@code module-info} and {@code META-INF/services}.
 */
public interface EnrollmentStoreProvider {

  /** Whether this provider builds stores for URIs like this one. */
  boolean accepts(URI location);

  EnrollmentStore create(URI location, Clock clock);
}
