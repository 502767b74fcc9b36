package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.EnrollmentId;
import dev.cps.testkit.contract.DeploymentNetworkContract;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RecordingNetworkTest extends DeploymentNetworkContract {
  private final EnrollmentId shop = EnrollmentId.of("shop");

  @Override
  protected DeploymentNetwork newNetwork() {
    return new RecordingNetwork("production");
  }

  @Test
  void recordsDeploymentsInOrderPerEnrollment() {
    RecordingNetwork network = new RecordingNetwork("staging");
    Deployment first = deployment(shop, "shop.example.com");
    Deployment other = deployment(EnrollmentId.of("blog"), "blog.example.com");
    Deployment second = deployment(shop, "shop.example.com");
    network.deploy(first);
    network.deploy(other);
    network.deploy(second);
    assertThat(network.deployments()).containsExactly(first, other, second);
    assertThat(network.deploymentsFor(shop)).containsExactly(first, second);
    assertThat(network.name()).isEqualTo("staging");
  }

  @Test
  void scriptedFailureKeepsWhatWasLive() {
    RecordingNetwork network = new RecordingNetwork("production");
    Deployment live = deployment(shop, "shop.example.com");
    network.deploy(live);
    network.failNext(2, "edge rejected the bundle");
    Deployment renewal = deployment(shop, "shop.example.com");
    assertThatThrownBy(() -> network.deploy(renewal))
        .isInstanceOf(DeploymentException.class).hasMessage("edge rejected the bundle");
    assertThatThrownBy(() -> network.deploy(renewal)).isInstanceOf(DeploymentException.class);
    assertThat(network.live(shop)).contains(live.chain());
    network.deploy(renewal);
    assertThat(network.live(shop)).contains(renewal.chain());
    assertThat(network.attempts()).isEqualTo(4);
    assertThat(network.deployments()).containsExactly(live, renewal);
  }

  @Test
  void defaultFailureMessageNamesTheNetwork() {
    RecordingNetwork network = new RecordingNetwork("staging");
    network.failNext(1);
    assertThatThrownBy(() -> network.deploy(deployment(shop, "shop.example.com"))).hasMessageContaining("staging");
  }

  @Test
  void toStringShowsNoKey() {
    RecordingNetwork network = new RecordingNetwork("production");
    Deployment deployment = deployment(shop, "shop.example.com");
    network.deploy(deployment);
    String key = Base64.getEncoder().encodeToString(deployment.privateKey().getEncoded());
    assertThat(network.toString()).isEqualTo("RecordingNetwork[production, 1 deployments, 1 live]").doesNotContain(key);
  }
}
