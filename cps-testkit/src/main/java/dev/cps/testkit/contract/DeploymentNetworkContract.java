package dev.cps.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.ChangeId;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.NetworkSettings;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import java.security.KeyPair;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DeploymentNetwork} must do: serve what was deployed last, per enrollment.
 * Deployments carry real chains and the keys they certify, so a network that checks that the key
 * matches the certificate passes too.
 */
public abstract class DeploymentNetworkContract {
  private final InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore(ContractFixtures.BC);
  private DeploymentNetwork network;

  /** A new network serving nothing; called before every test. */
  protected abstract DeploymentNetwork newNetwork();

  @BeforeEach
  public void createNetwork() {
    network = newNetwork();
  }

  /** A deployment of a freshly issued certificate for {@code name}, with its key. */
  protected Deployment deployment(EnrollmentId enrollment, String name) {
    EnrollmentRequest request = ContractFixtures.request(name);
    KeyId key = KeyId.random();
    KeyPair pair = new KeyPair(keys.generate(key, KeyType.EC_P256), keys.privateKey(key));
    CertificateChain chain = ContractFixtures.chain(request, pair);
    return new Deployment(enrollment, ChangeId.random(), chain, pair.getPrivate(), NetworkSettings.DEFAULT);
  }

  @Test
  public void deployedChainIsLive() {
    EnrollmentId id = EnrollmentId.of("shop");
    Deployment deployment = deployment(id, "shop.example.com");
    network.deploy(deployment);
    assertThat(network.live(id)).contains(deployment.chain());
  }

  @Test
  public void secondDeploymentReplacesTheFirst() {
    EnrollmentId id = EnrollmentId.of("shop");
    network.deploy(deployment(id, "shop.example.com"));
    Deployment renewal = deployment(id, "shop.example.com");
    network.deploy(renewal);
    assertThat(network.live(id)).contains(renewal.chain());
  }

  @Test
  public void enrollmentsAreServedIndependently() {
    Deployment shop = deployment(EnrollmentId.of("shop"), "shop.example.com");
    Deployment blog = deployment(EnrollmentId.of("blog"), "blog.example.com");
    network.deploy(shop);
    network.deploy(blog);
    assertThat(network.live(shop.enrollment())).contains(shop.chain());
    assertThat(network.live(blog.enrollment())).contains(blog.chain());
  }

  @Test
  public void nothingIsLiveForAnUnknownEnrollment() {
    assertThat(network.live(EnrollmentId.of("never-deployed"))).isEmpty();
  }
}
