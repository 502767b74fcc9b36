package dev.cps.tests;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.EnrollmentId;
import dev.cps.testkit.RecordingNetwork;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A network over a {@link RecordingNetwork} on which the deployment of one host's certificate
 * hangs until the test lets it go: a slow step, for as long as the test likes.
 */
final class StuckNetwork implements DeploymentNetwork {
  private final RecordingNetwork network;
  private final String host;
  private final CountDownLatch stuck = new CountDownLatch(1);
  private final CountDownLatch letGo = new CountDownLatch(1);

  StuckNetwork(RecordingNetwork network, String host) {
    this.network = network;
    this.host = host;
  }

  /** Whether the host's deployment started within the seconds given. */
  boolean awaitStuck(long seconds) throws InterruptedException {
    return stuck.await(seconds, TimeUnit.SECONDS);
  }

  /** Lets the host's deployment go on, now and from then on. */
  void letGo() {
    letGo.countDown();
  }

  @Override
  public void deploy(Deployment deployment) {
    if (deployment.chain().leaf().getSubjectX500Principal().getName().contains(host)) {
      stuck.countDown();
      try {
        letGo.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    network.deploy(deployment);
  }

  @Override
  public Optional<CertificateChain> live(EnrollmentId enrollment) {
    return network.live(enrollment);
  }
}
