package dev.cps.store.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests: the one {@code .ci/run} started (its URL in {@code
 * CPS_TEST_PG_URL}), or a throwaway cluster of our own, {@code initdb} into a temporary directory
 * and {@code pg_ctl} on a free port of 127.0.0.1, run as the {@code postgres} user when the tests
 * run as root (the server refuses root). Each test gets a database of its own.
 */
final class PostgresServer implements AutoCloseable {
  static final String URL_VARIABLE = "CPS_TEST_PG_URL";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static PostgresServer shared;

  private final String adminUrl;
  private final Path directory;
  private final int port;
  private final boolean own;

  private PostgresServer(String adminUrl, Path directory, int port, boolean own) {
    this.adminUrl = adminUrl;
    this.directory = directory;
    this.port = port;
    this.own = own;
  }

  /** The server of {@code CPS_TEST_PG_URL}, or one started for this JVM and stopped when it exits. */
  static synchronized PostgresServer shared() {
    if (shared == null) {
      String url = System.getenv(URL_VARIABLE);
      if (url != null && !url.isBlank()) {
        shared = new PostgresServer(url, Path.of("."), -1, false);
      } else {
        PostgresServer started = startThrowaway();
        Runtime.getRuntime().addShutdownHook(new Thread(started::close));
        shared = started;
      }
    }
    return shared;
  }

  /** A cluster of its own, for a test that stops and starts the server. */
  static PostgresServer startThrowaway() {
    Path bin = binaries();
    try {
      Path directory = Files.createTempDirectory("cps-pg-");
      int port = freePort();
      boolean root = "root".equals(System.getProperty("user.name"));
      if (root) {
        run(List.of("chown", "postgres", directory.toString()));
      }
      run(asServerUser(root, List.of(bin.resolve("initdb").toString(), "-D", directory.resolve("data").toString(),
          "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")));
      PostgresServer server = new PostgresServer(
          "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres", directory, port, true);
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the server of an own cluster and waits until it accepts connections. */
  void start() {
    requireOwn();
    boolean root = "root".equals(System.getProperty("user.name"));
    // fsync off: the cluster never outlives the test, and the tests kill clients, not the server.
    String options = "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories=" + directory
        + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
    run(asServerUser(root, List.of(binaries().resolve("pg_ctl").toString(), "-D", directory.resolve("data").toString(),
        "-l", directory.resolve("log").toString(), "-o", options, "-w", "-t", "60", "start")));
  }

  /** Stops the server of an own cluster, disconnecting every client. */
  void stop() {
    requireOwn();
    boolean root = "root".equals(System.getProperty("user.name"));
    run(asServerUser(root, List.of(binaries().resolve("pg_ctl").toString(), "-D", directory.resolve("data").toString(),
        "-m", "fast", "-w", "-t", "60", "stop")));
  }

  /** A new, empty database on this server; returns its JDBC URL. */
  String createDatabase() {
    String name = "cps_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection connection = DriverManager.getConnection(adminUrl);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create a test database on " + adminUrl + ": " + e.getMessage(), e);
    }
    return withDatabase(name);
  }

  private String withDatabase(String name) {
    int slash = adminUrl.indexOf('/', "jdbc:postgresql://".length());
    int query = adminUrl.indexOf('?');
    String base = adminUrl.substring(0, slash + 1);
    return base + name + (query < 0 ? "" : adminUrl.substring(query));
  }

  @Override
  public void close() {
    if (!own) {
      return;
    }
    try {
      stop();
    } catch (RuntimeException e) {
      // already stopped
    }
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is no failure
    }
  }

  private void requireOwn() {
    if (!own) {
      throw new IllegalStateException("only a cluster this test started can be stopped and started");
    }
  }

  private static List<String> asServerUser(boolean root, List<String> command) {
    if (!root) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  /** The directory of initdb and pg_ctl: on the PATH, or Debian's /usr/lib/postgresql/N/bin. */
  static Path binaries() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path dirPath = Paths.get(dir.isEmpty() ? "." : dir);
      if (Files.isExecutable(dirPath.resolve("initdb")) && Files.isExecutable(dirPath.resolve("pg_ctl"))) {
        return toRealPath(dirPath.resolve("initdb")).getParent();
      }
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        var newest = versions.map(v -> v.resolve("bin"))
            .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
            .max(Comparator.comparing(bin -> Integer.parseInt(bin.getParent().getFileName().toString()
                .replaceAll("\\D", "0"))));
        if (newest.isPresent()) {
          return newest.get();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("PostgreSQL is needed for these tests and was not found (no initdb and pg_ctl on"
        + " the PATH or under /usr/lib/postgresql/*/bin): install it with 'apt-get install postgresql', or set "
        + URL_VARIABLE + " to the JDBC URL of a server where the tests may create databases");
  }

  private static Path toRealPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("'" + String.join(" ", command) + "' failed:\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command.get(0).toLowerCase(Locale.ROOT), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
