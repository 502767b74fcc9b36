package dev.cps.spi;

import java.util.Optional;

/**
 * Where certificates are served: a staging network for tests, a production network for everyone.
 * A failed deployment leaves the previous certificate live.
 */
public interface DeploymentNetwork {

  /**
   * Serves the deployment's chain and key for its enrollment from now on, replacing what was live.
   *
   * @throws DeploymentException when it could not; what was live stays live
   */
  void deploy(Deployment deployment);

  /** What the network serves for the enrollment now. */
  Optional<CertificateChain> live(EnrollmentId enrollment);
}
