package dev.cps.testkit;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentProbe;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.ProbeResult;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link DeploymentNetwork} that serves nothing but remembers everything: each deployment in
 * order, and what is live per enrollment. Tests assert on it the way one asserts on OkHttp's
 * {@code MockWebServer.takeRequest()}, and script failures with {@link #failNext(int)} to check
 * that a failed deployment keeps the previous certificate live.
 *
 * <p>Thread-safe. Recorded {@link Deployment}s hold private keys; {@link #toString()} and the
 * failure messages never show them.
 */
public final class RecordingNetwork implements DeploymentNetwork {
  private final String name;
  private final List<Deployment> deployments = new ArrayList<>();
  private final Map<EnrollmentId, CertificateChain> live = new HashMap<>();
  private int attempts;
  private int failuresLeft;
  private String failureMessage = "";
  private boolean stale;

  /** A network called {@code recording}. */
  public RecordingNetwork() {
    this("recording");
  }

  /** A network with a name for messages, such as {@code staging} or {@code production}. */
  public RecordingNetwork(String name) {
    this.name = Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a network name must not be blank");
    }
  }

  public String name() {
    return name;
  }

  /**
   * Records the deployment and makes its chain live, unless a failure is scripted: then throws
   * {@link DeploymentException} and changes nothing but {@link #attempts()}.
   */
  @Override
  public synchronized void deploy(Deployment deployment) {
    Objects.requireNonNull(deployment, "deployment");
    attempts++;
    if (failuresLeft > 0) {
      failuresLeft--;
      throw new DeploymentException(failureMessage);
    }
    deployments.add(deployment);
    if (!stale) {
      live.put(deployment.enrollment(), deployment.chain());
    }
  }

  /**
   * While on, deployments are accepted and recorded but what is live does not change: a network that
   * silently keeps serving the previous certificate, for {@link #probe} to catch.
   */
  public synchronized void serveStale(boolean stale) {
    this.stale = stale;
  }

  /**
   * A probe of this network: for each name, checks that what it serves live for the enrollment is
   * the expected chain, by leaf fingerprint and length. Results are stamped by {@code clock}.
   */
  public DeploymentProbe probe(Clock clock) {
    Objects.requireNonNull(clock, "clock");
    return (role, enrollment, expected, names) -> {
      Optional<CertificateChain> served = live(enrollment);
      List<ProbeResult> results = new ArrayList<>();
      for (String serverName : names) {
        Instant now = clock.instant();
        if (served.isEmpty()) {
          results.add(new ProbeResult(now, role, name, serverName, false, null, "nothing served"));
          continue;
        }
        String fingerprint = served.get().fingerprint();
        boolean same = fingerprint.equals(expected.fingerprint())
            && served.get().certificates().size() == expected.certificates().size();
        results.add(new ProbeResult(now, role, name, serverName, same, fingerprint,
            same ? "serves the deployed certificate" : "serves certificate " + served.get().serialNumber()
                + " instead of " + expected.serialNumber()));
      }
      return results;
    };
  }

  @Override
  public synchronized Optional<CertificateChain> live(EnrollmentId enrollment) {
    return Optional.ofNullable(live.get(Objects.requireNonNull(enrollment, "enrollment")));
  }

  /** Makes the next {@code times} deployments fail with a default message naming this network. */
  public void failNext(int times) {
    failNext(times, "network " + name + " refused the deployment (scripted failure)");
  }

  /** Makes the next {@code times} deployments fail with {@code message}. */
  public synchronized void failNext(int times, String message) {
    if (times < 0) {
      throw new IllegalArgumentException("times must not be negative, was " + times);
    }
    failuresLeft = times;
    failureMessage = Objects.requireNonNull(message, "message");
  }

  /** The successful deployments, oldest first. */
  public synchronized List<Deployment> deployments() {
    return List.copyOf(deployments);
  }

  /** The successful deployments for one enrollment, oldest first. */
  public synchronized List<Deployment> deploymentsFor(EnrollmentId enrollment) {
    Objects.requireNonNull(enrollment, "enrollment");
    return deployments.stream().filter(d -> d.enrollment().equals(enrollment)).toList();
  }

  /** How many times {@link #deploy} was called, failures included. */
  public synchronized int attempts() {
    return attempts;
  }

  @Override
  public synchronized String toString() {
    return "RecordingNetwork[" + name + ", " + deployments.size() + " deployments, " + live.size() + " live]";
  }
}
