package dev.cps.ca.acme;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A real Pebble (Let's Encrypt's ACME test server) and pebble-challtestsrv (its mock DNS server,
 * answering 127.0.0.1 for every name), started on free loopback ports with a listener certificate
 * from {@link TestPki}, and stopped by {@link #close()}. Validation goes to the solver ports given
 * in the options. Tests fail, never skip, when the binaries are missing.
 */
final class Pebble implements AutoCloseable {
  static final String INSTALL_HINT = "the ACME tests need the real Pebble ACME test server: install it with"
      + " `apt-get install -y pebble` (Debian/Ubuntu; it provides pebble and pebble-challtestsrv)";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What differs between the tests' Pebbles. */
  static final class Options {
    int httpPort;
    int tlsPort;
    final Map<String, String> environment = new LinkedHashMap<>(Map.of("PEBBLE_VA_NOSLEEP", "1"));
    final Map<String, String> macKeys = new LinkedHashMap<>();
    boolean externalAccountRequired;
    final List<String> blocklist = new ArrayList<>();
    long validitySeconds = Duration.ofDays(30).toSeconds();

    Options httpPort(int port) {
      this.httpPort = port;
      return this;
    }

    Options tlsPort(int port) {
      this.tlsPort = port;
      return this;
    }

    Options environment(String name, String value) {
      environment.put(name, value);
      return this;
    }

    Options externalAccounts(Map<String, String> keys) {
      macKeys.putAll(keys);
      externalAccountRequired = true;
      return this;
    }

    Options block(String domain) {
      blocklist.add(domain);
      return this;
    }
  }

  private final Path directory;
  private final Options options;
  private final TestPki pki;
  private final Path pebbleBinary;
  private final Path challtestsrvBinary;
  private final int acmePort;
  private final int managementPort;
  private final int dnsPort;
  private final int dnsManagementPort;
  private final HttpClient client;
  private @Nullable Process pebble;
  private @Nullable Process challtestsrv;
  private int starts;

  private Pebble(Path directory, Options options) {
    this.pebbleBinary = binary("pebble");
    this.challtestsrvBinary = binary("pebble-challtestsrv");
    this.directory = directory;
    this.options = options;
    this.pki = TestPki.create(directory);
    this.acmePort = freeTcpPort();
    this.managementPort = freeTcpPort();
    this.dnsPort = freeDnsPort();
    this.dnsManagementPort = freeTcpPort();
    this.client = HttpClient.newBuilder()
        .sslContext(TrustAnchors.sslContext(List.of(pki.root)))
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** Starts challtestsrv and Pebble and waits until Pebble serves its directory. */
  static Pebble start(Path directory, Options options) {
    Pebble pebble = new Pebble(directory, options);
    try {
      pebble.startChalltestsrv();
      pebble.startPebble();
    } catch (RuntimeException e) {
      pebble.close();
      throw e;
    }
    return pebble;
  }

  URI directory() {
    return URI.create("https://127.0.0.1:" + acmePort + "/dir");
  }

  /** The test root that signed Pebble's listener certificate, for the CA's trust anchors. */
  Path trustBundle() {
    return pki.rootPem;
  }

  X509Certificate listenerRoot() {
    return pki.root;
  }

  /** Stops Pebble as if it crashed; challtestsrv goes on. */
  void stopPebble() {
    Process running = pebble;
    pebble = null;
    if (running != null) {
      running.destroy();
      try {
        if (!running.waitFor(10, TimeUnit.SECONDS)) {
          running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Starts Pebble again on the same ports: it remembers nothing of before and has a new root. */
  void startPebble() {
    if (pebble != null) {
      throw new IllegalStateException("Pebble is running");
    }
    Path config = writeConfig();
    ProcessBuilder builder = new ProcessBuilder(pebbleBinary.toString(), "-config", config.toString(),
        "-dnsserver", "127.0.0.1:" + dnsPort, "-strict=false")
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log("pebble")));
    builder.environment().putAll(options.environment);
    pebble = launch(builder);
    starts++;
    Process started = pebble;
    await("Pebble serving its directory at " + directory()).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> {
          if (!started.isAlive()) {
            throw new IllegalStateException("Pebble exited with " + started.exitValue() + ":\n" + logTail("pebble"));
          }
          return get(directory()).map(r -> r.statusCode() == 200).orElse(false);
        });
  }

  private void startChalltestsrv() {
    ProcessBuilder builder = new ProcessBuilder(challtestsrvBinary.toString(),
        "-management", "127.0.0.1:" + dnsManagementPort,
        "-dns01", "127.0.0.1:" + dnsPort,
        "-http01", "", "-https01", "", "-tlsalpn01", "",
        "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "")
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log("challtestsrv")));
    challtestsrv = launch(builder);
    Process started = challtestsrv;
    await("pebble-challtestsrv listening").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          if (!started.isAlive()) {
            throw new IllegalStateException("pebble-challtestsrv exited with " + started.exitValue() + ":\n"
                + logTail("challtestsrv"));
          }
          return get(URI.create("http://127.0.0.1:" + dnsManagementPort + "/")).isPresent();
        });
  }

  private Path writeConfig() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("listenAddress", "127.0.0.1:" + acmePort);
    settings.put("managementListenAddress", "127.0.0.1:" + managementPort);
    settings.put("certificate", pki.listenerCertificatePem.toString());
    settings.put("privateKey", pki.listenerKeyPem.toString());
    settings.put("httpPort", options.httpPort);
    settings.put("tlsPort", options.tlsPort);
    settings.put("ocspResponderURL", "");
    settings.put("externalAccountBindingRequired", options.externalAccountRequired);
    settings.put("externalAccountMACKeys", options.macKeys);
    settings.put("domainBlocklist", options.blocklist);
    settings.put("certificateValidityPeriod", options.validitySeconds);
    Path config = directory.resolve("pebble-config.json");
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), Map.of("pebble", settings));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return config;
  }

  /** The root Pebble signs with since its last start, from its management interface. */
  List<X509Certificate> issuingRoots() {
    return roots(0);
  }

  /** Root number {@code index} (more than one with {@code PEBBLE_ALTERNATE_ROOTS}). */
  List<X509Certificate> roots(int index) {
    HttpResponse<byte[]> response = send(HttpRequest.newBuilder(managementUri("/roots/" + index)).GET().build());
    try {
      List<X509Certificate> roots = new ArrayList<>();
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      factory.generateCertificates(new ByteArrayInputStream(response.body()))
          .forEach(c -> roots.add((X509Certificate) c));
      return roots;
    } catch (CertificateException e) {
      throw new IllegalStateException("Pebble's /roots/" + index + " is not PEM", e);
    }
  }

  /** Pebble's record of a certificate: {@code Status} is {@code Valid} or {@code Revoked}, with {@code Reason}. */
  JsonNode certificateStatus(String serialHex) {
    HttpResponse<byte[]> response =
        send(HttpRequest.newBuilder(managementUri("/cert-status-by-serial/" + serialHex)).GET().build());
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds a TXT record in challtestsrv's DNS. */
  void setTxt(String name, String value) {
    manage("/set-txt", Map.of("host", fqdn(name), "value", value));
  }

  /** Removes every TXT record of the name (challtestsrv cannot remove one value). */
  void clearTxt(String name) {
    manage("/clear-txt", Map.of("host", fqdn(name)));
  }

  private void manage(String path, Map<String, String> body) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dnsManagementPort + path))
          .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
      HttpResponse<byte[]> response = send(request);
      if (response.statusCode() != 200) {
        throw new IllegalStateException("challtestsrv " + path + " answered " + response.statusCode());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String fqdn(String name) {
    return name.endsWith(".") ? name : name + ".";
  }

  int starts() {
    return starts;
  }

  String logTail(String name) {
    try {
      List<String> lines = Files.readAllLines(log(name).toPath(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    stopPebble();
    Process dns = challtestsrv;
    challtestsrv = null;
    if (dns != null) {
      dns.destroy();
      try {
        dns.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private URI managementUri(String path) {
    return URI.create("https://127.0.0.1:" + managementPort + path);
  }

  private HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Optional<HttpResponse<byte[]>> get(URI uri) {
    try {
      return Optional.of(client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private File log(String name) {
    return directory.resolve(name + ".log").toFile();
  }

  private static Process launch(ProcessBuilder builder) {
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + builder.command().get(0) + ": " + e.getMessage(), e);
    }
  }

  /** The binary on the PATH, or a failure that says how to install it. */
  static Path binary(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin" : path + ":/usr/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(name + " is not on the PATH: " + INSTALL_HINT);
  }

  static int freeTcpPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A port free for both TCP and UDP, as a DNS server needs. */
  private static int freeDnsPort() {
    for (int attempt = 0; attempt < 20; attempt++) {
      int port = freeTcpPort();
      try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException e) {
        // taken for UDP; try another
      }
    }
    throw new IllegalStateException("no port free for both TCP and UDP on the loopback address");
  }
}
