package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateAuthorityProvider;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentNetworkProvider;
import dev.cps.spi.EnrollmentStoreProvider;
import dev.cps.spi.PluginContext;
import dev.cps.spi.PrivateKeyStoreProvider;
import java.net.URI;
import java.time.Instant;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The providers are registered and each accepts only its own scheme. */
class ProvidersTest {
  private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
  private final PluginContext context = new PluginContext(clock, new InMemoryPrivateKeyStore());

  @Test
  void fakeCertificateAuthority() {
    CertificateAuthorityProvider provider = ServiceLoader.load(CertificateAuthorityProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.accepts(URI.create("fake:ca"))).findFirst().orElseThrow();
    assertThat(provider).isInstanceOf(FakeCertificateAuthorityProvider.class);
    assertThat(provider.accepts(URI.create("https://acme.example.com/directory"))).isFalse();
    CertificateAuthority ca = provider.create(URI.create("fake:ca"), context);
    assertThat(ca.id()).isEqualTo("ca");
  }

  @Test
  void inMemoryStores() {
    URI memory = URI.create("memory:default"); // "memory:" alone is not a legal java.net.URI
    assertThat(ServiceLoader.load(EnrollmentStoreProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.accepts(memory)).toList()).singleElement()
        .satisfies(p -> assertThat(p.create(memory, clock)).isInstanceOf(InMemoryEnrollmentStore.class));
    assertThat(ServiceLoader.load(PrivateKeyStoreProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.accepts(memory)).toList()).singleElement()
        .satisfies(p -> assertThat(p.create(memory, clock)).isInstanceOf(InMemoryPrivateKeyStore.class));
    assertThat(new InMemoryEnrollmentStoreProvider().accepts(URI.create("jdbc:sqlite:cps.db"))).isFalse();
  }

  @Test
  void recordingNetwork() {
    DeploymentNetworkProvider provider = ServiceLoader.load(DeploymentNetworkProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.accepts(URI.create("recording:staging")))
        .findFirst().orElseThrow();
    DeploymentNetwork network = provider.create(URI.create("recording:staging"), context);
    assertThat(network).isInstanceOfSatisfying(RecordingNetwork.class, n -> assertThat(n.name()).isEqualTo("staging"));
  }
}
