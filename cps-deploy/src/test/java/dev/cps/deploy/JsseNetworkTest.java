package dev.cps.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Deployment;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.NetworkSettings;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.junit.CpsTestkit;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-process network behind the JDK's own HTTPS server, swapping certificates while it runs. */
class JsseNetworkTest {
  private final MutableClock clock = MutableClock.at(CpsTestkit.START);
  private final JsseNetwork network = JsseNetwork.create();
  private final JdkHttpsServer server = new JdkHttpsServer(network);

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void anHttpsServerServesTwoNamesAndARenewalSwapsOneWhileItRuns() throws Exception {
    FakeCertificateAuthority ca = FakeCertificateAuthority.builder().clock(clock).build();
    TlsClient trustingTheFakeRoot = new TlsClient(ca.rootCertificate(), clock);
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore())
        .keyStore(new InMemoryPrivateKeyStore())
        .certificateAuthority(ca)
        .productionNetwork(network)
        .workers(1)
        .build()) {
      EnrollmentId shop = provisioner.enroll(EnrollmentRequest.builder().commonName("shop.example.com")
          .addSubjectAlternativeName("www.shop.example.com").build(), "alice").id();
      EnrollmentId blog = provisioner.enroll(EnrollmentRequest.builder().commonName("blog.example.com").build(),
          "alice").id();
      runUntilCompleted(provisioner, clock, shop, blog);
      CertificateChain shopFirst = production(provisioner, shop);
      CertificateChain blogCertificate = production(provisioner, blog);

      assertThat(leafOverHttps(trustingTheFakeRoot, "shop.example.com")).isEqualTo(shopFirst.leaf());
      assertThat(leafOverHttps(trustingTheFakeRoot, "www.shop.example.com")).isEqualTo(shopFirst.leaf());
      assertThat(leafOverHttps(trustingTheFakeRoot, "blog.example.com")).isEqualTo(blogCertificate.leaf());

      provisioner.renewNow(shop, "alice");
      runUntilCompleted(provisioner, clock, shop);
      CertificateChain shopRenewed = production(provisioner, shop);
      assertThat(shopRenewed.fingerprint()).isNotEqualTo(shopFirst.fingerprint());

      assertThat(leafOverHttps(trustingTheFakeRoot, "shop.example.com")).isEqualTo(shopRenewed.leaf());
      assertThat(leafOverHttps(trustingTheFakeRoot, "www.shop.example.com")).isEqualTo(shopRenewed.leaf());
      assertThat(leafOverHttps(trustingTheFakeRoot, "blog.example.com")).isEqualTo(blogCertificate.leaf());
    }
  }

  @Test
  void aVersionTheEnrollmentDisallowsIsRefusedForItsNamesOnly() throws Exception {
    TestCertificates certificates = new TestCertificates(clock);
    TlsClient client = new TlsClient(certificates.root(), clock);
    Deployment shop = certificates.deployment(EnrollmentId.of("shop"), "shop.example.com");
    network.deploy(shop);
    network.deploy(certificates.deployment(EnrollmentId.of("blog"), "blog.example.com"));
    assertThat(client.handshake(server.port(), "shop.example.com", "TLSv1.2").protocol()).isEqualTo("TLSv1.2");

    network.deploy(TestCertificates.withSettings(shop,
        new NetworkSettings(true, Set.of("TLSv1", "TLSv1.1", "TLSv1.2"), List.of())));

    assertThatThrownBy(() -> client.handshake(server.port(), "shop.example.com", "TLSv1.2"))
        .isInstanceOf(IOException.class);
    assertThat(client.handshake(server.port(), "shop.example.com").protocol()).isEqualTo("TLSv1.3");
    assertThat(client.handshake(server.port(), "blog.example.com", "TLSv1.2").protocol()).isEqualTo("TLSv1.2");
  }

  @Test
  void namesMatchExactlyFirstThenByWildcardAndClientsWithoutSniGetTheFallback() throws Exception {
    TestCertificates certificates = new TestCertificates(clock);
    TlsClient client = new TlsClient(certificates.root(), clock);
    Deployment wildcard = certificates.deployment(EnrollmentId.of("wild"), "*.blog.example.com");
    Deployment exact = certificates.deployment(EnrollmentId.of("api"), "api.blog.example.com");
    network.deploy(wildcard);
    network.deploy(exact);

    assertThat(client.leaf(server.port(), "news.blog.example.com")).isEqualTo(wildcard.chain().leaf());
    assertThat(client.leaf(server.port(), "api.blog.example.com")).isEqualTo(exact.chain().leaf());
    assertThatThrownBy(() -> client.leaf(server.port(), "a.news.blog.example.com"))
        .as("a wildcard covers one label only").isInstanceOf(IOException.class);
    assertThatThrownBy(() -> client.handshakeWithoutSni(server.port()))
        .as("every enrollment is SNI-only").isInstanceOf(IOException.class);

    Deployment open = certificates.deployment(EnrollmentId.of("open"), new NetworkSettings(false, Set.of(), List.of()),
        "open.example.com");
    network.deploy(open);
    assertThat(client.handshakeWithoutSni(server.port()).leaf()).isEqualTo(open.chain().leaf());

    NetworkSettings servedToAll = new NetworkSettings(false, Set.of(), List.of());
    network.deploy(certificates.deployment(EnrollmentId.of("later"), servedToAll, "later.example.com"));
    Deployment renewed = certificates.deployment(EnrollmentId.of("open"), servedToAll, "open.example.com");
    network.deploy(renewed);
    assertThat(client.handshakeWithoutSni(server.port()).leaf())
        .as("the first enrollment deployed, renewed since").isEqualTo(renewed.chain().leaf());
  }

  @Test
  void handshakesDuringSwapsAlwaysGetACertificateWithItsOwnKey() throws Exception {
    TestCertificates certificates = new TestCertificates(clock);
    TlsClient client = new TlsClient(certificates.root(), clock);
    EnrollmentId shop = EnrollmentId.of("shop");
    List<Deployment> deployments = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      deployments.add(certificates.deployment(shop, "shop.example.com"));
    }
    network.deploy(deployments.get(0));
    AtomicBoolean done = new AtomicBoolean();
    List<String> failures = new CopyOnWriteArrayList<>();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger handshaken = new AtomicInteger();
    Thread handshakes = new Thread(() -> {
      while (!done.get()) {
        try {
          // TLS 1.3 makes the server sign the handshake: a certificate with another key fails it.
          seen.add(CertificateChain.fingerprint(client.leaf(server.port(), "shop.example.com", "TLSv1.3")));
        } catch (IOException e) {
          failures.add(e.toString());
        }
        handshaken.incrementAndGet();
      }
    });
    handshakes.start();
    for (int i = 1; i <= 60 || seen.size() < 2; i++) {
      network.deploy(deployments.get(i % deployments.size()));
      int before = handshaken.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> handshaken.get() > before);
    }
    done.set(true);
    handshakes.join();

    assertThat(failures).isEmpty();
    assertThat(seen).hasSizeGreaterThan(1)
        .isSubsetOf(deployments.stream().map(d -> d.chain().fingerprint()).toList());
  }

  private X509Certificate leafOverHttps(TlsClient trust, String name) throws Exception {
    HttpClient http = HttpClient.newBuilder()
        .sslContext(trust.sslContext())
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("https://" + name + ":" + server.port() + "/")).timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello\n");
    return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
  }

  private static CertificateChain production(CertificateProvisioner provisioner, EnrollmentId id) {
    return Objects.requireNonNull(provisioner.enrollment(id).orElseThrow().production()).chain();
  }

  private static void runUntilCompleted(CertificateProvisioner provisioner, MutableClock clock, EnrollmentId... ids) {
    provisioner.runDue();
    for (int minute = 0; minute < 60; minute++) {
      boolean all = true;
      for (EnrollmentId id : ids) {
        Enrollment enrollment = provisioner.enrollment(id).orElseThrow();
        all &= enrollment.latestChange().orElseThrow().state() instanceof ChangeState.Completed;
      }
      if (all) {
        return;
      }
      clock.advance(Duration.ofMinutes(1));
      provisioner.runDue();
    }
    throw new AssertionError("not completed within an hour");
  }
}
