package dev.cps.spi;

import java.net.URI;

/**
 * Builds a {@link CertificateAuthority} from a URI. Found through {@link java.util.ServiceLoader}; exactly one
 * provider on the class path may accept a URI. Register in {@code module-info} and
 * {@code META-INF/services}.
 */
public interface CertificateAuthorityProvider {

  /** Whether this provider builds plug-ins for URIs like this one. */
  boolean accepts(URI location);

  CertificateAuthority create(URI location, PluginContext context);
}
