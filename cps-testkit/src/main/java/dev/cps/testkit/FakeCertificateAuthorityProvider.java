package dev.cps.testkit;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateAuthorityProvider;
import dev.cps.spi.PluginContext;
import java.net.URI;

/**
 * Builds a {@link FakeCertificateAuthority} for URIs with the scheme {@code fake}, so that a host's
 * configuration can name the fake CA like any other: {@code fake:ca} is a fake CA with the id
 * {@code ca}. It runs on the provisioner's clock. Each call builds a new CA with its own root.
 */
public final class FakeCertificateAuthorityProvider implements CertificateAuthorityProvider {

  @Override
  public boolean accepts(URI location) {
    return "fake".equalsIgnoreCase(location.getScheme());
  }

  @Override
  public CertificateAuthority create(URI location, PluginContext context) {
    if (!accepts(location)) {
      throw new IllegalArgumentException("a fake CA needs a fake: URI, not " + location);
    }
    String id = location.getSchemeSpecificPart();
    FakeCertificateAuthority.Builder builder = FakeCertificateAuthority.builder().clock(context.clock());
    if (id != null && !id.isBlank()) {
      builder.id(id);
    }
    return builder.build();
  }
}
