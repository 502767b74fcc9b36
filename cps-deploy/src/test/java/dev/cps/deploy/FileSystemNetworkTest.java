package dev.cps.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.NetworkSettings;
import dev.cps.testkit.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemNetworkTest {
  private static final EnrollmentId SHOP = EnrollmentId.of("shop");

  @TempDir
  Path root;

  private final TestCertificates certificates = new TestCertificates(MutableClock.at(Instant.parse("2026-03-02T09:30:00Z")));

  @Test
  void writesTheFilesOfAVersionWithTheKeyReadableByItsOwnerOnly() throws Exception {
    FileSystemNetwork network = FileSystemNetwork.builder(root).pkcs12Password("changeit".toCharArray()).build();
    Deployment deployment = certificates.deployment(SHOP, "shop.example.com", "www.shop.example.com");

    network.deploy(deployment);

    Path current = network.currentDirectory(SHOP);
    assertThat(Files.readSymbolicLink(current)).isEqualTo(Path.of("v000001"));
    assertThat(mode(current.resolve("privkey.pem"))).isEqualTo("rw-------");
    assertThat(mode(current.resolve("certificate.p12"))).isEqualTo("rw-------");
    assertThat(mode(current.resolve("cert.pem"))).isEqualTo("rw-r--r--");
    assertThat(Pem.certificates(current.resolve("cert.pem"))).containsExactly(deployment.chain().leaf());
    assertThat(Pem.certificates(current.resolve("chain.pem")))
        .containsExactlyElementsOf(deployment.chain().certificates().subList(1, deployment.chain().certificates().size()));
    assertThat(Pem.certificates(current.resolve("fullchain.pem"))).containsExactlyElementsOf(deployment.chain().certificates());
    assertThat(Files.readString(current.resolve("privkey.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
    PrivateKey key = Pem.privateKey(current.resolve("privkey.pem"));
    assertThat(key.getEncoded()).isEqualTo(deployment.privateKey().getEncoded());
    assertThat(network.live(SHOP)).contains(deployment.chain());

    KeyStore pkcs12 = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(current.resolve("certificate.p12"))) {
      pkcs12.load(in, "changeit".toCharArray());
    }
    assertThat(pkcs12.getCertificateChain("certificate")).containsExactlyElementsOf(deployment.chain().certificates());
    assertThat(pkcs12.getKey("certificate", "changeit".toCharArray()).getEncoded())
        .isEqualTo(deployment.privateKey().getEncoded());
  }

  @Test
  void writesTheNetworkSettingsAsAnNginxSnippet() throws Exception {
    FileSystemNetwork network = FileSystemNetwork.builder(root).build();
    NetworkSettings settings = new NetworkSettings(true, Set.of("TLSv1", "TLSv1.1"),
        List.of("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"));

    network.deploy(certificates.deployment(SHOP, settings, "shop.example.com"));

    Path version = root.resolve("shop/v000001");
    assertThat(Files.readString(network.currentDirectory(SHOP).resolve("nginx-ssl.conf")))
        .contains("ssl_certificate \"" + version.resolve("fullchain.pem") + "\";\n")
        .contains("ssl_certificate_key \"" + version.resolve("privkey.pem") + "\";\n")
        .contains("ssl_protocols TLSv1.2 TLSv1.3;\n")
        .contains("ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305;\n")
        .contains("ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;\n")
        .contains("ssl_prefer_server_ciphers on;\n");
  }

  /** An id with a line break cannot add a directive through the snippet's comment line. */
  @Test
  void theSnippetsCommentHoldsAnIdWithALineBreakOnOneLine() throws Exception {
    FileSystemNetwork network = FileSystemNetwork.builder(root).build();
    EnrollmentId odd = EnrollmentId.of("shop\nssl_protocols TLSv1;");

    network.deploy(certificates.deployment(odd, "shop.example.com"));

    assertThat(Files.readAllLines(network.currentDirectory(odd).resolve("nginx-ssl.conf")))
        .noneMatch(line -> line.startsWith("ssl_protocols"))
        .filteredOn(line -> line.startsWith("#")).first().asString().contains("ssl_protocols TLSv1;");
  }

  @Test
  void anUnknownCipherSuiteIsRefusedByNameAndNothingChanges() throws IOException {
    FileSystemNetwork network = FileSystemNetwork.builder(root).build();
    Deployment first = certificates.deployment(SHOP, "shop.example.com");
    network.deploy(first);
    NetworkSettings settings = new NetworkSettings(true, Set.of(), List.of("TLS_NOT_A_REAL_SUITE"));

    assertThatThrownBy(() -> network.deploy(certificates.deployment(SHOP, settings, "shop.example.com")))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("networkSettings.cipherSuites[0] 'TLS_NOT_A_REAL_SUITE'");
    assertThat(network.live(SHOP)).contains(first.chain());
    assertThat(versions(SHOP)).containsExactly("v000001");
  }

  @Test
  void keepsTheNewestVersionsAndPrunesOlderOnes() throws Exception {
    FileSystemNetwork network = FileSystemNetwork.builder(root).keepVersions(2).build();
    Deployment last = null;
    for (int i = 0; i < 5; i++) {
      last = certificates.deployment(SHOP, "shop.example.com");
      network.deploy(last);
    }

    assertThat(versions(SHOP)).containsExactly("v000004", "v000005");
    assertThat(Files.readSymbolicLink(network.currentDirectory(SHOP))).isEqualTo(Path.of("v000005"));
    assertThat(network.live(SHOP)).contains(last.chain());
  }

  @Test
  void aReaderOfCurrentNeverSeesAMixedOrHalfWrittenSet() throws Exception {
    // No pruning during the test: a file missing under current/ can only mean a switch that is not atomic.
    FileSystemNetwork network = FileSystemNetwork.builder(root).keepVersions(100).build();
    List<Deployment> deployments = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      deployments.add(certificates.deployment(SHOP, "shop.example.com"));
    }
    network.deploy(deployments.get(0));
    Path current = network.currentDirectory(SHOP);
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger consistentReads = new AtomicInteger();
    Set<String> servedSerials = ConcurrentHashMap.newKeySet();
    List<String> problems = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      while (!done.get()) {
        try {
          Path before = Files.readSymbolicLink(current);
          X509Certificate leaf = Pem.certificates(current.resolve("cert.pem")).get(0);
          PrivateKey key = Pem.privateKey(current.resolve("privkey.pem"));
          List<X509Certificate> fullchain = Pem.certificates(current.resolve("fullchain.pem"));
          Path after = Files.readSymbolicLink(current);
          if (before.equals(after)) {
            if (!Pem.belongTogether(leaf, key) || !fullchain.get(0).equals(leaf)) {
              problems.add("mixed set in " + before);
            }
            consistentReads.incrementAndGet();
            servedSerials.add(leaf.getSerialNumber().toString(16));
          }
          Path resolved = current.toRealPath();
          if (!Pem.belongTogether(Pem.certificates(resolved.resolve("cert.pem")).get(0),
              Pem.privateKey(resolved.resolve("privkey.pem")))) {
            problems.add("mixed set in " + resolved);
          }
        } catch (IOException | RuntimeException e) {
          problems.add("half-written or missing: " + e);
        }
      }
    });
    reader.start();
    int deployed = 1;
    while ((deployed < 40 || consistentReads.get() < 40) && deployed < 95) {
      network.deploy(deployments.get(deployed % deployments.size()));
      deployed++;
    }
    done.set(true);
    reader.join();

    assertThat(problems).isEmpty();
    assertThat(servedSerials).as("the reader saw the certificates change").hasSizeGreaterThan(1);
    assertThat(consistentReads.get()).isPositive();
    assertThat(versions(SHOP)).hasSize(deployed);
  }

  /** The reload command sees this deployment's CPS_* variables, and not the key-encryption key. */
  @Test
  void theReloadCommandDoesNotSeeTheKeyEncryptionKey() throws Exception {
    assertThat(System.getenv("CPS_STORE_KEK")).as("set for this test by the build").isNotNull();
    Path environment = root.resolve("environment");
    FileSystemNetwork network = FileSystemNetwork.builder(root.resolve("certs"))
        .reloadCommand("sh", "-c", "env > " + environment)
        .build();

    network.deploy(certificates.deployment(SHOP, "shop.example.com"));

    List<String> seen = Files.readAllLines(environment);
    assertThat(seen).anyMatch(line -> line.startsWith("CPS_VERSION_DIR="))
        .anyMatch(line -> line.startsWith("PATH="))
        .noneMatch(line -> line.startsWith("CPS_STORE_KEK"))
        .noneMatch(line -> line.contains(System.getenv("CPS_STORE_KEK")));
  }

  /**
   * The same certificate deployed again (as the engine does after a probe found it not served)
   * reloads the server without writing a version: repeated, it would prune the last other one.
   */
  @Test
  void theSameDeploymentAgainOnlyReloads() throws Exception {
    Path reloads = root.resolve("reloads.log");
    FileSystemNetwork network = FileSystemNetwork.builder(root.resolve("certs")).keepVersions(2)
        .reloadCommand("sh", "-c", "echo \"$CPS_VERSION_DIR\" >> " + reloads)
        .build();
    network.deploy(certificates.deployment(SHOP, "shop.example.com"));
    Deployment renewed = certificates.deployment(SHOP, "shop.example.com");

    for (int i = 0; i < 3; i++) {
      network.deploy(renewed);
    }

    Path shop = root.resolve("certs/shop");
    assertThat(versions(root.resolve("certs"), SHOP)).containsExactly("v000001", "v000002");
    assertThat(Files.readAllLines(reloads)).containsExactly(shop.resolve("v000001").toString(),
        shop.resolve("v000002").toString(), shop.resolve("v000002").toString(), shop.resolve("v000002").toString());
    assertThat(network.live(SHOP)).contains(renewed.chain());
  }

  /** A deployment interrupted while its reload runs leaves no reload running behind it. */
  @Test
  void anInterruptedReloadIsStoppedWithWhatItStarted() throws Exception {
    Path marker = root.resolve("started");
    FileSystemNetwork network = FileSystemNetwork.builder(root.resolve("certs"))
        .reloadCommand("sh", "-c", "touch " + marker + "; sleep 30")
        .build();
    Deployment deployment = certificates.deployment(SHOP, "shop.example.com");
    Thread deploying = new Thread(() -> {
      try {
        network.deploy(deployment);
      } catch (DeploymentException expected) {
        // interrupted: reported as a failed reload
      }
    }, "deploying");
    deploying.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(marker));

    deploying.interrupt();
    deploying.join(TimeUnit.SECONDS.toMillis(10));

    assertThat(deploying.isAlive()).isFalse();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ProcessHandle.current().descendants()
        .filter(ProcessHandle::isAlive)
        .map(p -> p.info().commandLine().orElse("")))
        .as("processes this JVM started, still running").noneMatch(line -> line.contains("sleep 30")));
  }

  @Test
  void aFailingReloadSwitchesBackReloadsAgainAndReports() throws Exception {
    Path reloads = root.resolve("reloads.log");
    Path broken = root.resolve("broken");
    FileSystemNetwork network = FileSystemNetwork.builder(root.resolve("certs"))
        .reloadCommand("sh", "-c", "echo \"$CPS_VERSION_DIR\" >> " + reloads + "; test ! -e " + broken
            + " || { echo 'server says: config broken' >&2; exit 3; }")
        .build();
    Deployment first = certificates.deployment(SHOP, "shop.example.com");
    network.deploy(first);
    Files.createFile(broken);

    assertThatThrownBy(() -> network.deploy(certificates.deployment(SHOP, "shop.example.com")))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("exited with 3: server says: config broken")
        .hasMessageContaining("switched back to v000001")
        .hasMessageContaining("reloading that failed too");

    Path shop = root.resolve("certs/shop");
    assertThat(Files.readAllLines(reloads))
        .containsExactly(shop.resolve("v000001").toString(), shop.resolve("v000002").toString(),
            shop.resolve("v000001").toString());
    assertThat(network.live(SHOP)).contains(first.chain());
    assertThat(Files.readSymbolicLink(network.currentDirectory(SHOP))).isEqualTo(Path.of("v000001"));
    assertThat(versions(root.resolve("certs"), SHOP)).as("the failed version is gone").containsExactly("v000001");

    Files.delete(broken);
    Deployment retried = certificates.deployment(SHOP, "shop.example.com");
    network.deploy(retried);
    assertThat(network.live(SHOP)).contains(retried.chain());
  }

  /** A rollback whose switch fails is reported as the failed reload it follows, not as a failed write. */
  @Test
  void aRollbackThatCannotSwitchBackReportsTheReloadAndTheSwitch() throws Exception {
    Path certs = root.resolve("certs");
    Path broken = root.resolve("broken");
    // The failing reload also takes the enrollment's directory away, so that no link can be made in it.
    FileSystemNetwork network = FileSystemNetwork.builder(certs)
        .reloadCommand("sh", "-c", "test ! -e " + broken
            + " || { rm -rf \"$(dirname \"$CPS_VERSION_DIR\")\"; echo 'server says: no' >&2; exit 3; }")
        .build();
    network.deploy(certificates.deployment(SHOP, "shop.example.com"));
    Files.createFile(broken);

    assertThatThrownBy(() -> network.deploy(certificates.deployment(SHOP, "shop.example.com")))
        .isInstanceOf(DeploymentException.class)
        .hasMessageStartingWith("reload after deploying certificate serial ")
        .hasMessageContaining("exited with 3: server says: no")
        .hasMessageContaining("switching back to v000001 failed too, so v000002 may still be current")
        .hasMessageNotContaining("could not write the certificate files");
  }

  @Test
  void aFailingReloadOfTheFirstDeploymentLeavesNothingServed() throws Exception {
    FileSystemNetwork network = FileSystemNetwork.builder(root).reloadCommand("false").build();

    assertThatThrownBy(() -> network.deploy(certificates.deployment(SHOP, "shop.example.com")))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("'false' exited with 1")
        .hasMessageContaining("switched back to no certificate");
    assertThat(network.live(SHOP)).isEmpty();
    assertThat(Files.exists(network.currentDirectory(SHOP), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(versions(SHOP)).isEmpty();
  }

  @Test
  void aReloadThatHangsIsStoppedAtTheTimeoutAndRolledBack() {
    FileSystemNetwork network = FileSystemNetwork.builder(root)
        .reloadCommand("sh", "-c", "test \"$CPS_VERSION_DIR\" != \"" + root.resolve("shop/v000002") + "\" || sleep 30")
        .reloadTimeout(Duration.ofMillis(300))
        .build();
    Deployment first = certificates.deployment(SHOP, "shop.example.com");
    network.deploy(first);
    long start = System.nanoTime();

    assertThatThrownBy(() -> network.deploy(certificates.deployment(SHOP, "shop.example.com")))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("did not finish within PT0.3S")
        .hasMessageContaining("switched back to v000001 and reloaded");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(network.live(SHOP)).contains(first.chain());
  }

  @Test
  void aKeyThatDoesNotBelongToTheCertificateIsRefusedBeforeAnythingIsWritten() {
    FileSystemNetwork network = FileSystemNetwork.builder(root).build();
    Deployment one = certificates.deployment(SHOP, "shop.example.com");
    Deployment other = certificates.deployment(SHOP, "shop.example.com");
    Deployment mixed = new Deployment(SHOP, one.change(), one.chain(), other.privateKey(), one.settings());

    assertThatThrownBy(() -> network.deploy(mixed))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("does not belong to certificate serial " + one.chain().serialNumber());
    assertThat(network.live(SHOP)).isEmpty();
  }

  @Test
  void enrollmentIdsBecomeSafeDirectoryNames() {
    assertThat(EnrollmentDirectory.fileName(EnrollmentId.of("..")))
        .isEqualTo("%2E.");
    assertThat(EnrollmentDirectory.fileName(EnrollmentId.of("a/../b c")))
        .isEqualTo("a%2F..%2Fb%20c");
    assertThat(EnrollmentDirectory.fileName(EnrollmentId.of("3f2c-ä_x.y"))).isEqualTo("3f2c-%C3%A4_x.y");
  }

  @Test
  void aRootThatNginxCouldNotQuoteIsRefused() {
    assertThatThrownBy(() -> FileSystemNetwork.builder(root.resolve("my certs")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("my certs");
    assertThatThrownBy(() -> FileSystemNetwork.builder(root).keepVersions(0))
        .hasMessage("keepVersions must be at least 1, was 0");
    assertThatThrownBy(() -> FileSystemNetwork.builder(root).reloadTimeout(Duration.ZERO))
        .hasMessage("reloadTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> FileSystemNetwork.builder(root).keepVersions(2).keepVersions(3))
        .hasMessage("keepVersions was already set to 2");
  }

  private List<String> versions(EnrollmentId enrollment) throws IOException {
    return versions(root, enrollment);
  }

  private static List<String> versions(Path root, EnrollmentId enrollment) throws IOException {
    try (Stream<Path> entries = Files.list(root.resolve(enrollment.value()))) {
      return entries.map(p -> p.getFileName().toString()).filter(n -> !n.equals("current")).sorted().toList();
    }
  }

  private static String mode(Path file) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }
}
