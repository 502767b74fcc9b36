package dev.cps.spi;

import java.security.PrivateKey;
import java.util.Objects;

/**
 * What a network must serve for an enrollment: the chain, its private key and the network
 * settings. {@link #toString()} never shows the key.
 */
public record Deployment(
    EnrollmentId enrollment, ChangeId change, CertificateChain chain, PrivateKey privateKey, NetworkSettings settings) {
  public Deployment {
    Objects.requireNonNull(enrollment, "enrollment");
    Objects.requireNonNull(change, "change");
    Objects.requireNonNull(chain, "chain");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(settings, "settings");
  }

  @Override
  public String toString() {
    return "Deployment[enrollment=" + enrollment + ", change=" + change + ", chain=" + chain
        + ", privateKey=(" + privateKey.getAlgorithm() + ", redacted), settings=" + settings + "]";
  }
}
