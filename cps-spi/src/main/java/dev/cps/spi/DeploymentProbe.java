package dev.cps.spi;

import java.util.List;

/**
 * Checks from outside that a network serves what was deployed to it: a TLS handshake per endpoint
 * and name, say. Run after each deployment to the network it is configured for; a probe that does
 * not pass is retried with backoff, like a failed deployment, and the change waits.
 */
public interface DeploymentProbe {

  /**
   * Probes what the network serves for the deployment's enrollment now.
   *
   * @param expected the chain that should be served, leaf first
   * @param names the names the certificate was issued for; a probe checks each it can reach
   * @return one result per endpoint and name probed; empty if there was nothing to probe
   */
  List<ProbeResult> probe(NetworkRole role, EnrollmentId enrollment, CertificateChain expected, List<String> names);
}
