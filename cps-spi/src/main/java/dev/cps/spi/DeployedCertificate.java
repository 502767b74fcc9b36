package dev.cps.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A certificate that was deployed to a network, with the key it was deployed with (by id; the key
 * itself stays in the {@link PrivateKeyStore}).
 */
public record DeployedCertificate(ChangeId change, KeyId key, CertificateChain chain, Instant deployedAt) {
  public DeployedCertificate {
    Objects.requireNonNull(change, "change");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(chain, "chain");
    Objects.requireNonNull(deployedAt, "deployedAt");
  }

  public Instant notAfter() {
    return chain.notAfter();
  }
}
