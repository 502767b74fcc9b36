package dev.cps.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one probe of a network found.
 *
 * @param endpoint where the probe connected, such as {@code 127.0.0.1:8443}
 * @param serverName the SNI name it asked for
 * @param passed whether the served leaf was the expected one and its chain complete
 * @param servedFingerprint the SHA-256 fingerprint (hex) of the leaf served, if a handshake got one
 * @param detail what was wrong, or a short confirmation
 */
public record ProbeResult(
    Instant at,
    NetworkRole role,
    String endpoint,
    String serverName,
    boolean passed,
    @Nullable String servedFingerprint,
    String detail) {
  public ProbeResult {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(serverName, "serverName");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return role + " " + endpoint + " (" + serverName + "): " + (passed ? "passed" : "FAILED") + ", " + detail;
  }
}
