package dev.cps.deploy;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A real nginx for one test, with its own prefix, configuration, pid file, logs and temporary
 * directories under the test's directory, listening on a free loopback port. It runs in the
 * foreground as a child of the test JVM ({@code daemon off}) and is stopped by {@link #close()}.
 * Its one TLS server includes the snippet a {@link FileSystemNetwork} writes.
 */
final class NginxServer implements AutoCloseable {
  private static final String INSTALL_HINT =
      "nginx is not installed: run 'apt-get install -y nginx' (.ci/run installs it on CI)";

  private final String name;
  private final String binary = binary();
  private final Path prefix;
  private final Path configuration;
  private final int port = freePort();
  private @Nullable Path sslInclude;
  private @Nullable Process process;

  NginxServer(String name, Path directory) {
    this.name = name;
    this.prefix = directory.toAbsolutePath().resolve("nginx-" + name);
    this.configuration = prefix.resolve("conf/nginx.conf");
    try {
      for (String dir : List.of("conf", "logs", "temp")) {
        Files.createDirectories(prefix.resolve(dir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return port;
  }

  Path configuration() {
    return configuration;
  }

  /** The command a {@link FileSystemNetwork} runs to reload this instance: nginx checks the configuration first. */
  List<String> reloadCommand() {
    return command("-s", "reload");
  }

  /** Starts nginx serving the certificate of the included snippet, and waits until it accepts connections. */
  void start(Path sslInclude) throws IOException {
    this.sslInclude = sslInclude;
    writeConfiguration("");
    Path output = prefix.resolve("logs/stdout.log");
    Process started = new ProcessBuilder(command()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    process = started;
    try {
      await("nginx " + name + " accepting on port " + port).atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> {
            if (!started.isAlive()) {
              throw new IllegalStateException("nginx " + name + " exited with " + started.exitValue() + ": "
                  + Files.readString(output) + log());
            }
            return accepts();
          });
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Reloads nginx by hand, as an operator would, and waits for the command. */
  void reload() throws IOException, InterruptedException {
    Process reload = new ProcessBuilder(reloadCommand()).redirectErrorStream(true).start();
    String output = new String(reload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!reload.waitFor(30, TimeUnit.SECONDS) || reload.exitValue() != 0) {
      throw new IllegalStateException("reloading " + this + " failed: " + output + log());
    }
  }

  /** Rewrites the configuration with a directive nginx does not know: the next reload fails. */
  void breakConfiguration() throws IOException {
    writeConfiguration("    this_is_not_an_nginx_directive on;\n");
  }

  void repairConfiguration() throws IOException {
    writeConfiguration("");
  }

  /** The error log, for failure messages. */
  String log() {
    try {
      Path log = prefix.resolve("logs/error.log");
      return Files.exists(log) ? "\n--- " + name + " error.log ---\n" + Files.readString(log) : "";
    } catch (IOException e) {
      return "\n(error log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    Process running = process;
    process = null;
    if (running == null) {
      return;
    }
    running.destroy();
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        running.descendants().forEach(ProcessHandle::destroyForcibly);
        running.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.destroyForcibly();
    }
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private List<String> command(String... extra) {
    List<String> command = new ArrayList<>(List.of(binary, "-p", prefix + "/", "-e", prefix.resolve("logs/error.log").toString(),
        "-c", configuration.toString()));
    command.addAll(List.of(extra));
    return command;
  }

  private void writeConfiguration(String extraServerLines) throws IOException {
    if (sslInclude == null) {
      throw new IllegalStateException("start nginx " + name + " first");
    }
    String temp = prefix.resolve("temp").toString();
    String conf = """
        daemon off;
        master_process on;
        worker_processes 1;
        pid "%1$s/nginx.pid";
        error_log "%1$s/logs/error.log" info;
        events { worker_connections 64; }
        http {
          access_log off;
          client_body_temp_path "%2$s/client_body";
          proxy_temp_path "%2$s/proxy";
          fastcgi_temp_path "%2$s/fastcgi";
          uwsgi_temp_path "%2$s/uwsgi";
          scgi_temp_path "%2$s/scgi";
          server {
            listen 127.0.0.1:%3$d ssl;
            include "%4$s";
        %5$s    location / { return 200 "%6$s\\n"; }
          }
        }
        """.formatted(prefix, temp, port, sslInclude, extraServerLines, name);
    Files.writeString(configuration, conf, StandardCharsets.US_ASCII);
  }

  /** nginx on the PATH or in the sbin directories, which a non-root PATH often lacks. */
  static String binary() {
    String path = System.getenv().getOrDefault("PATH", "");
    Stream<Path> candidates = Stream.concat(
        Stream.of(path.split(File.pathSeparator)).filter(p -> !p.isEmpty()).map(Path::of),
        Stream.of(Path.of("/usr/sbin"), Path.of("/usr/local/sbin"), Path.of("/sbin")));
    return candidates.map(dir -> dir.resolve("nginx")).filter(Files::isExecutable).findFirst()
        .map(Path::toString)
        .orElseThrow(() -> new AssertionError(INSTALL_HINT));
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "nginx " + name + " on 127.0.0.1:" + port;
  }
}
