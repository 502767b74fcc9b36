package dev.cps.spi;

import java.time.Clock;
import java.util.Objects;

/**
 * What the provisioner hands a provider that builds a plug-in from a URI.
 *
 * @param keyStore where plug-ins keep keys of their own, such as an ACME account key
 */
public record PluginContext(Clock clock, PrivateKeyStore keyStore) {
  public PluginContext {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(keyStore, "keyStore");
  }
}
