package dev.cps.internal.crypto;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Warning;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of verifying an issued certificate.
 *
 * @param chain the chain sorted leaf first, each certificate followed by its issuer
 * @param warnings differences a person must accept before the change goes on
 * @param fatal why the certificate can never be served, or {@code null}
 */
public record Verification(CertificateChain chain, List<Warning> warnings, @Nullable String fatal) {
  public Verification {
    Objects.requireNonNull(chain, "chain");
    warnings = List.copyOf(warnings);
  }

  /** Neither fatal nor any warning: the change can go on without a person. */
  public boolean isClean() {
    return fatal == null && warnings.isEmpty();
  }
}
