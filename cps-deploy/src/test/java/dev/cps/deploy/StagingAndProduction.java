package dev.cps.deploy;

import static org.awaitility.Awaitility.await;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Deployment;
import dev.cps.spi.EnrollmentId;
import dev.cps.testkit.MutableClock;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Two real nginx instances, "staging" and "production", each reading one enrollment's certificate
 * from its own {@link FileSystemNetwork} and reloaded by it. nginx does not start without a
 * certificate, so {@link #start} first writes a placeholder (from a CA of its own) without a reload.
 */
final class StagingAndProduction implements AutoCloseable {
  final NginxServer staging;
  final NginxServer production;
  final FileSystemNetwork stagingNetwork;
  final FileSystemNetwork productionNetwork;
  private final Path stagingRoot;
  private final Path productionRoot;

  /** @param stagingReload the staging network's reload command, or {@code null} for nginx's own */
  StagingAndProduction(Path directory, List<String> stagingReload) {
    staging = new NginxServer("staging", directory);
    production = new NginxServer("production", directory);
    stagingRoot = directory.resolve("staging-certs");
    productionRoot = directory.resolve("production-certs");
    stagingNetwork = FileSystemNetwork.builder(stagingRoot)
        .reloadCommand(stagingReload == null ? staging.reloadCommand() : stagingReload).build();
    productionNetwork = FileSystemNetwork.builder(productionRoot).reloadCommand(production.reloadCommand()).build();
  }

  StagingAndProduction(Path directory) {
    this(directory, null);
  }

  /** Deploys a placeholder for the enrollment to both networks, without a reload, and starts both nginx on it. */
  void start(EnrollmentId enrollment, String... names) throws IOException {
    Deployment placeholder = new TestCertificates(MutableClock.at(Instant.parse("2026-01-01T00:00:00Z")))
        .deployment(enrollment, names);
    FileSystemNetwork.builder(stagingRoot).build().deploy(placeholder);
    FileSystemNetwork.builder(productionRoot).build().deploy(placeholder);
    staging.start(stagingNetwork.currentDirectory(enrollment).resolve("nginx-ssl.conf"));
    production.start(productionNetwork.currentDirectory(enrollment).resolve("nginx-ssl.conf"));
  }

  /** Waits until the server serves the chain's leaf for every name (nginx reloads in the background). */
  static void awaitServing(NginxServer server, TlsClient client, CertificateChain chain, List<String> names) {
    await(server + " serving serial " + chain.serialNumber()).atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> names.stream().allMatch(name -> served(server, client, name).equals(chain.leaf())));
  }

  static X509Certificate served(NginxServer server, TlsClient client, String name) {
    try {
      return client.leaf(server.port(), name);
    } catch (IOException e) {
      throw new AssertionError("no handshake with " + server + " for " + name + ": " + e + server.log(), e);
    }
  }

  @Override
  public void close() {
    staging.close();
    production.close();
  }
}
