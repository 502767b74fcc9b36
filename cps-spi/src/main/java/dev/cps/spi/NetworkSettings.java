package dev.cps.spi;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the networks should serve the certificate. Passed to every {@link DeploymentNetwork};
 * networks apply what they can.
 *
 * @param sniOnly serve only to clients that send SNI
 * @param disallowedTlsVersions protocol names the networks must refuse, such as {@code TLSv1.2}
 * @param cipherSuites preferred cipher suites in order; empty for the network's default
 */
public record NetworkSettings(boolean sniOnly, Set<String> disallowedTlsVersions, List<String> cipherSuites) {
  /** SNI only, every TLS version the network allows, the network's own ciphers. */
  public static final NetworkSettings DEFAULT = new NetworkSettings(true, Set.of(), List.of());

  /** Protocol names a network may be asked to refuse. */
  public static final Set<String> TLS_VERSIONS = Set.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

  public NetworkSettings {
    disallowedTlsVersions = Set.copyOf(Objects.requireNonNull(disallowedTlsVersions, "disallowedTlsVersions"));
    cipherSuites = List.copyOf(Objects.requireNonNull(cipherSuites, "cipherSuites"));
  }
}
