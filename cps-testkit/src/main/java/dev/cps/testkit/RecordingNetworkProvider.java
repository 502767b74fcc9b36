package dev.cps.testkit;

import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentNetworkProvider;
import dev.cps.spi.PluginContext;
import java.net.URI;

/**
 * Builds a {@link RecordingNetwork} for URIs with the scheme {@code recording}; the rest of the URI
 * names it ({@code recording:staging} is a network called {@code staging}). Each call builds a new
 * network: a test that wants to assert on it passes the instance to the provisioner instead.
 */
public final class RecordingNetworkProvider implements DeploymentNetworkProvider {

  @Override
  public boolean accepts(URI location) {
    return "recording".equalsIgnoreCase(location.getScheme());
  }

  @Override
  public DeploymentNetwork create(URI location, PluginContext context) {
    if (!accepts(location)) {
      throw new IllegalArgumentException("a recording network needs a recording: URI, not " + location);
    }
    String name = location.getSchemeSpecificPart();
    return name == null || name.isBlank() ? new RecordingNetwork() : new RecordingNetwork(name);
  }
}
