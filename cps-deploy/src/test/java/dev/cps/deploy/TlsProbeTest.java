package dev.cps.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Deployment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.ProbeResult;
import dev.cps.testkit.MutableClock;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsProbeTest {
  private static final EnrollmentId SHOP = EnrollmentId.of("shop");
  private static final List<String> NAMES = List.of("shop.example.com", "www.shop.example.com");

  @TempDir
  Path directory;

  private final MutableClock clock = MutableClock.at(Instant.parse("2026-03-02T09:30:00Z"));
  private final TestCertificates certificates = new TestCertificates(clock);
  private NginxServer nginx;
  private JdkHttpsServer jdkServer;

  @AfterEach
  void stopServers() {
    if (nginx != null) {
      nginx.close();
    }
    if (jdkServer != null) {
      jdkServer.close();
    }
  }

  @Test
  void passesForEachNameWhenNginxServesTheDeployedCertificate() throws Exception {
    FileSystemNetwork network = startNginx(null);
    Deployment deployment = certificates.deployment(SHOP, NAMES.toArray(String[]::new));
    network.deploy(deployment);

    List<ProbeResult> results = probe(nginx.port()).probe(NetworkRole.STAGING, SHOP, deployment.chain(), NAMES);

    assertThat(results).hasSize(2).allSatisfy(result -> {
      assertThat(result.passed()).as(result.toString()).isTrue();
      assertThat(result.servedFingerprint()).isEqualTo(deployment.chain().fingerprint());
      assertThat(result.endpoint()).isEqualTo("127.0.0.1:" + nginx.port());
      assertThat(result.role()).isEqualTo(NetworkRole.STAGING);
      assertThat(result.at()).isEqualTo(clock.instant());
    });
    assertThat(results).extracting(ProbeResult::serverName).containsExactlyElementsOf(NAMES);
  }

  @Test
  void catchesANginxThatSilentlyServesAStaleCertificate() throws Exception {
    FileSystemNetwork network = startNginx(List.of("true"));
    CertificateChain stale = network.live(SHOP).orElseThrow();
    Deployment deployment = certificates.deployment(SHOP, NAMES.toArray(String[]::new));
    network.deploy(deployment);
    assertThat(network.live(SHOP)).as("the files are new, nginx was never told").contains(deployment.chain());

    List<ProbeResult> results = probe(nginx.port()).probe(NetworkRole.STAGING, SHOP, deployment.chain(), NAMES);

    assertThat(results).hasSize(2).allSatisfy(result -> {
      assertThat(result.passed()).isFalse();
      assertThat(result.servedFingerprint()).isEqualTo(stale.fingerprint());
      assertThat(result.detail()).contains("serves certificate serial " + stale.serialNumber(),
          "not the deployed serial " + deployment.chain().serialNumber());
    });
  }

  @Test
  void catchesAnIncompleteChain() {
    JsseNetwork network = JsseNetwork.create();
    jdkServer = new JdkHttpsServer(network);
    Deployment deployment = certificates.deployment(SHOP, "shop.example.com");
    network.deploy(new Deployment(SHOP, deployment.change(), CertificateChain.of(deployment.chain().leaf()),
        deployment.privateKey(), deployment.settings()));

    List<ProbeResult> results = probe(jdkServer.port())
        .probe(NetworkRole.PRODUCTION, SHOP, deployment.chain(), List.of("shop.example.com"));

    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.passed()).isFalse();
      assertThat(result.servedFingerprint()).isEqualTo(deployment.chain().fingerprint());
      assertThat(result.detail()).contains("serves the deployed certificate, but its chain is incomplete or untrusted");
    });
  }

  /**
   * The path ends at the first certificate an anchor issued, whatever the server sends above it:
   * here the anchor is the intermediate, and the server sends the root too (as with a root that is
   * also cross-signed, above the self-signed one a client trusts).
   */
  @Test
  void aChainGoingOnPastTheAnchorValidates() {
    JsseNetwork network = JsseNetwork.create();
    jdkServer = new JdkHttpsServer(network);
    Deployment deployment = certificates.deployment(SHOP, "shop.example.com");
    List<X509Certificate> sent = new ArrayList<>(deployment.chain().certificates());
    if (!sent.get(sent.size() - 1).equals(certificates.root())) {
      sent.add(certificates.root());
    }
    CertificateChain longer = CertificateChain.of(sent.toArray(X509Certificate[]::new));
    network.deploy(new Deployment(SHOP, deployment.change(), longer, deployment.privateKey(), deployment.settings()));
    X509Certificate intermediate = sent.get(1);

    List<ProbeResult> results = TlsProbe.builder().endpoint("127.0.0.1", jdkServer.port())
        .trustAnchors(intermediate).clock(clock).patience(Duration.ZERO).build()
        .probe(NetworkRole.PRODUCTION, SHOP, longer, List.of("shop.example.com"));

    assertThat(results).singleElement().satisfies(result ->
        assertThat(result.passed()).as(result.detail()).isTrue());
  }

  @Test
  void trustsOnlyItsAnchors() {
    JsseNetwork network = JsseNetwork.create();
    jdkServer = new JdkHttpsServer(network);
    Deployment deployment = certificates.deployment(SHOP, "shop.example.com");
    network.deploy(deployment);
    TestCertificates otherCa = new TestCertificates(clock);

    List<ProbeResult> results = TlsProbe.builder().endpoint("127.0.0.1", jdkServer.port())
        .trustAnchors(otherCa.root()).clock(clock).patience(Duration.ZERO).build()
        .probe(NetworkRole.PRODUCTION, SHOP, deployment.chain(), List.of("shop.example.com"));

    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.passed()).isFalse();
      assertThat(result.detail()).contains("incomplete or untrusted");
    });
  }

  @Test
  void probesAWildcardNameThroughAConcreteLabel() {
    JsseNetwork network = JsseNetwork.create();
    jdkServer = new JdkHttpsServer(network);
    Deployment deployment = certificates.deployment(SHOP, "*.blog.example.com");
    network.deploy(deployment);

    List<ProbeResult> results = probe(jdkServer.port())
        .probe(NetworkRole.STAGING, SHOP, deployment.chain(), List.of("*.blog.example.com"));

    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.passed()).as(result.toString()).isTrue();
      assertThat(result.serverName()).isEqualTo("cps-probe.blog.example.com");
    });
  }

  @Test
  void reportsAnEndpointThatDoesNotAnswer() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Deployment deployment = certificates.deployment(SHOP, "shop.example.com");

    List<ProbeResult> results = probe(closedPort)
        .probe(NetworkRole.PRODUCTION, SHOP, deployment.chain(), List.of("shop.example.com"));

    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.passed()).isFalse();
      assertThat(result.servedFingerprint()).isNull();
      assertThat(result.detail()).startsWith("no certificate served: ");
    });
  }

  /** One budget for the whole probe: four names that never pass take about it, not four times it. */
  @Test
  void patienceIsOneBudgetForEveryEndpointAndName() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    List<String> names = List.of("a.example.com", "b.example.com", "c.example.com", "d.example.com");
    Deployment deployment = certificates.deployment(SHOP, names.toArray(String[]::new));

    long start = System.nanoTime();
    List<ProbeResult> results = probe(closedPort).probe(NetworkRole.PRODUCTION, SHOP, deployment.chain(), names);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(results).extracting(ProbeResult::serverName).containsExactlyElementsOf(names);
    assertThat(results).noneMatch(ProbeResult::passed);
    // A patience of 1 s each would take 4 s at least.
    assertThat(took).isLessThan(Duration.ofMillis(2_500));
  }

  @Test
  void refusesToBeBuiltWithoutTrustAnchorsOrEndpoints() {
    assertThatThrownBy(() -> TlsProbe.builder().endpoint("127.0.0.1", 443).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("trustAnchors is required");
    assertThatThrownBy(() -> TlsProbe.builder().trustAnchors(certificates.root()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one endpoint");
    assertThatThrownBy(() -> TlsProbe.builder().endpoint("127.0.0.1", 0))
        .hasMessage("endpoint port must be between 1 and 65535, was 0");
    assertThatThrownBy(() -> TlsProbe.builder().wildcardLabel("*"))
        .hasMessage("wildcardLabel must be one lower-case DNS label, was '*'");
  }

  private TlsProbe probe(int port) {
    return TlsProbe.builder().endpoint("127.0.0.1", port).trustAnchors(certificates.root()).clock(clock)
        .patience(Duration.ofSeconds(1)).build();
  }

  /** nginx on a first certificate; the network reloads it with its own command, or with {@code reload}. */
  private FileSystemNetwork startNginx(List<String> reload) throws Exception {
    Path root = directory.resolve("certs");
    nginx = new NginxServer("staging", directory);
    FileSystemNetwork.builder(root).build().deploy(certificates.deployment(SHOP, NAMES.toArray(String[]::new)));
    FileSystemNetwork network = FileSystemNetwork.builder(root)
        .reloadCommand(reload == null ? nginx.reloadCommand() : reload).build();
    nginx.start(network.currentDirectory(SHOP).resolve("nginx-ssl.conf"));
    return network;
  }
}
