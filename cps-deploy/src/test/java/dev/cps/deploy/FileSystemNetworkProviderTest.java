package dev.cps.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentNetworkProvider;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.PluginContext;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.junit.CpsTestkit;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemNetworkProviderTest {
  @TempDir
  Path directory;

  private final MutableClock clock = MutableClock.at(CpsTestkit.START);
  private final PluginContext context = new PluginContext(clock, new InMemoryPrivateKeyStore());
  private final FileSystemNetworkProvider provider = new FileSystemNetworkProvider();

  @Test
  void isFoundByServiceLoaderAndAcceptsFileUris() {
    assertThat(ServiceLoader.load(DeploymentNetworkProvider.class).stream().map(ServiceLoader.Provider::type))
        .contains(FileSystemNetworkProvider.class);
    assertThat(provider.accepts(URI.create("file:///srv/certs"))).isTrue();
    assertThat(provider.accepts(URI.create("recording:staging"))).isFalse();
  }

  @Test
  void readsTheOptionsOfTheUri() {
    URI uri = URI.create(directory.toUri() + "certs?keep=5&reload=nginx+-s+reload&reloadTimeout=PT20S");

    DeploymentNetwork network = provider.create(uri, context);

    assertThat(network).isInstanceOf(FileSystemNetwork.class).hasToString(
        "FileSystemNetwork[" + directory.resolve("certs") + ", keep 5, reload nginx -s reload]");
  }

  @Test
  void namesTheOptionThatCannotBeUsed() {
    String root = directory.toUri().toString();
    assertThatThrownBy(() -> provider.create(URI.create(root + "?keep=many"), context))
        .hasMessage("option 'keep' must be a whole number, was 'many'");
    assertThatThrownBy(() -> provider.create(URI.create(root + "?reloadTimeout=soon"), context))
        .hasMessage("option 'reloadTimeout' must be a duration such as PT30S or 30, was 'soon'");
    assertThatThrownBy(() -> provider.create(URI.create(root + "?pkcs12Password=secret"), context))
        .hasMessageStartingWith("unknown option 'pkcs12Password'");
    assertThatThrownBy(() -> provider.create(URI.create("file:relative/path"), context))
        .hasMessageContaining("needs a URI like file:///srv/certs");
  }

  @Test
  void aProvisionerBuiltWithAFileUriDeploysIntoItsDirectory() {
    FakeCertificateAuthority ca = FakeCertificateAuthority.builder().clock(clock).build();
    Path production = directory.resolve("production");
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore())
        .keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca)
        .productionNetwork(URI.create(production.toUri() + "?keep=2"))
        .workers(1)
        .build()) {
      Enrollment enrolled = provisioner.enroll(EnrollmentRequest.builder().commonName("shop.example.com").build(), "alice");
      provisioner.runDue();
      for (int i = 0; i < 10; i++) {
        clock.advance(Duration.ofMinutes(1));
        provisioner.runDue();
      }

      Enrollment live = provisioner.enrollment(enrolled.id()).orElseThrow();
      assertThat(live.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
      Path current = production.resolve(EnrollmentDirectory.fileName(enrolled.id())).resolve("current");
      assertThat(Files.exists(current.resolve("fullchain.pem"))).isTrue();
      assertThat(FileSystemNetwork.builder(production).build().live(enrolled.id()))
          .contains(live.production().chain());
    }
  }
}
