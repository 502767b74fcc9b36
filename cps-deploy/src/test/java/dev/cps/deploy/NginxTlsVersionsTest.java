package dev.cps.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cps.spi.Deployment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.NetworkSettings;
import dev.cps.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS versions an enrollment disallows, written by the file-system network and enforced by a real nginx. */
class NginxTlsVersionsTest {
  private static final EnrollmentId SHOP = EnrollmentId.of("shop");
  private static final String NAME = "shop.example.com";

  @TempDir
  Path directory;

  private final MutableClock clock = MutableClock.at(Instant.parse("2026-03-02T09:30:00Z"));
  private final TestCertificates certificates = new TestCertificates(clock);
  private final TlsClient client = new TlsClient(certificates.root(), clock);
  private NginxServer nginx;

  @AfterEach
  void stopNginx() {
    if (nginx != null) {
      nginx.close();
    }
  }

  @Test
  void tls12IsServedUntilTheSettingAllowsOnlyTls13() throws Exception {
    Path root = directory.resolve("certs");
    nginx = new NginxServer("production", directory);
    Deployment open = certificates.deployment(SHOP, NAME);
    FileSystemNetwork.builder(root).build().deploy(open);
    FileSystemNetwork network = FileSystemNetwork.builder(root).reloadCommand(nginx.reloadCommand()).build();
    nginx.start(network.currentDirectory(SHOP).resolve("nginx-ssl.conf"));

    assertThat(client.handshake(nginx.port(), NAME, "TLSv1.2").protocol()).isEqualTo("TLSv1.2");
    assertThat(client.leaf(nginx.port(), NAME, "TLSv1.2")).isEqualTo(open.chain().leaf());

    NetworkSettings tls13Only = new NetworkSettings(true, Set.of("TLSv1", "TLSv1.1", "TLSv1.2"), List.of());
    Deployment strict = certificates.deployment(SHOP, tls13Only, NAME);
    network.deploy(strict);
    assertThat(Files.readString(network.currentDirectory(SHOP).resolve("nginx-ssl.conf")))
        .contains("ssl_protocols TLSv1.3;");
    await("nginx serving the strict certificate").atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> client.leaf(nginx.port(), NAME, "TLSv1.3").equals(strict.chain().leaf()));

    assertThatThrownBy(() -> client.handshake(nginx.port(), NAME, "TLSv1.2"))
        .as("a TLS 1.2 handshake after the setting" + nginx.log())
        .isInstanceOf(SSLException.class);
    assertThat(client.handshake(nginx.port(), NAME).protocol()).isEqualTo("TLSv1.3");

    network.deploy(TestCertificates.withSettings(strict, NetworkSettings.DEFAULT));
    await("TLS 1.2 served again once the setting is lifted").atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> client.handshake(nginx.port(), NAME, "TLSv1.2").protocol().equals("TLSv1.2"));
  }
}
