package dev.cps.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A Pebble for the ACME benchmark: validation skipped and not delayed ({@code
 * PEBBLE_VA_ALWAYS_VALID=1}, {@code PEBBLE_VA_NOSLEEP=1}), everything else as Pebble ships it (5%
 * of nonces rejected), on a free loopback port with a listener certificate signed by a root made
 * here, which the clients trust explicitly.
 */
final class BenchPebble implements AutoCloseable {
  private final Path directory;
  private final int port;
  private final X509Certificate root;
  private final Path rootPem;
  private final Process process;

  BenchPebble(Path directory, Clock clock) {
    Path binary = Path.of("/usr/bin/pebble");
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "pebble"))) {
        binary = Path.of(dir, "pebble");
        break;
      }
    }
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("the acme benchmark needs Pebble: install it with `apt-get install -y pebble`");
    }
    this.directory = directory;
    try {
      Files.createDirectories(directory);
      KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
      ec.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair rootKey = ec.generateKeyPair();
      KeyPair listenerKey = ec.generateKeyPair();
      Instant now = clock.instant();
      X500Name rootName = new X500Name("CN=CPS benchmark root");
      JcaContentSignerBuilder signer = new JcaContentSignerBuilder("SHA256withECDSA");
      this.root = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(rootName,
          BigInteger.ONE, Date.from(now.minusSeconds(3600)), Date.from(now.plus(Duration.ofDays(2))), rootName,
          rootKey.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .build(signer.build(rootKey.getPrivate())));
      X509Certificate listener = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
          root, BigInteger.TWO, Date.from(now.minusSeconds(3600)), Date.from(now.plus(Duration.ofDays(2))),
          new X500Name("CN=localhost"), listenerKey.getPublic())
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}))
          .build(signer.build(rootKey.getPrivate())));
      this.rootPem = pem(directory.resolve("root.pem"), root);
      Path certificate = pem(directory.resolve("listener.pem"), listener);
      Path key = pem(directory.resolve("listener.key"), new JcaPKCS8Generator(listenerKey.getPrivate(), null));
      this.port = freePort();
      Path config = Files.writeString(directory.resolve("pebble-config.json"), String.format(
          "{\"pebble\":{\"listenAddress\":\"127.0.0.1:%d\",\"managementListenAddress\":\"127.0.0.1:%d\","
              + "\"certificate\":\"%s\",\"privateKey\":\"%s\",\"httpPort\":%d,\"tlsPort\":%d,"
              + "\"ocspResponderURL\":\"\",\"externalAccountBindingRequired\":false}}",
          port, freePort(), certificate, key, freePort(), freePort()));
      ProcessBuilder builder = new ProcessBuilder(binary.toString(), "-config", config.toString(), "-strict=false")
          .redirectErrorStream(true).redirectOutput(directory.resolve("pebble.log").toFile());
      builder.environment().put("PEBBLE_VA_ALWAYS_VALID", "1");
      builder.environment().put("PEBBLE_VA_NOSLEEP", "1");
      this.process = builder.start();
      awaitDirectory();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start Pebble for the benchmark", e);
    }
  }

  /** How many requests Pebble has answered so far, from its log: one line per request. */
  long requests() {
    try (var lines = Files.lines(directory.resolve("pebble.log"))) {
      return lines.filter(line -> line.endsWith("-> calling handler()")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  URI directory() {
    return URI.create("https://127.0.0.1:" + port + "/dir");
  }

  Path rootPem() {
    return rootPem;
  }

  /** Trusts the benchmark's root only. */
  SSLContext sslContext() {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("root", root);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void awaitDirectory() throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().sslContext(sslContext()).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Pebble exited; see " + directory.resolve("pebble.log"));
      }
      try {
        if (client.send(HttpRequest.newBuilder(directory()).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("Pebble did not serve its directory within 30 s");
  }

  private static Path pem(Path file, Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return Files.writeString(file, text.toString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
