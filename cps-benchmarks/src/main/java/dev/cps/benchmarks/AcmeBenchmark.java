package dev.cps.benchmarks;

import dev.cps.CertificateProvisioner;
import dev.cps.ca.acme.AcmeCertificateAuthority;
import dev.cps.ca.acme.AcmePolling;
import dev.cps.ca.acme.Http01Server;
import dev.cps.ca.acme.Http01Solver;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.RecordingNetwork;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Certificates from a real Pebble (validation skipped: {@code PEBBLE_VA_ALWAYS_VALID=1}, {@code
 * PEBBLE_VA_NOSLEEP=1}): {@value #CERTIFICATES} distinct names through the provisioner (the whole
 * workflow: keys stored, CSR, order, HTTP-01 answered by the embedded server, finalize, retrieve,
 * verify, to production on a recording network) with {@code workers(N)}, against a bare acme4j loop
 * on N threads ({@link BareAcmeLoop}). Rounds alternate which goes first; medians are compared.
 */
final class AcmeBenchmark {
  static final int CERTIFICATES = 200;
  private static final int WARM_UP_ROUNDS = 10;
  private static final int MEASURED_ROUNDS = 7;

  private final int workers;
  private final PrintStream out;
  private int names;

  AcmeBenchmark(int workers, PrintStream out) {
    this.workers = workers;
    this.out = out;
  }

  /** Pebble restarts allowed in one run, each after a round in which it stopped answering. */
  private static final int RESTARTS = 10;
  /** Far longer than a round takes; a round still running by then has met a Pebble that hangs. */
  private static final Duration ROUND_LIMIT = Duration.ofSeconds(60);

  void run() {
    AcmePolling polling = AcmePolling.DEFAULT;
    out.printf("acme: %d certificates per round, concurrency %d, Pebble with PEBBLE_VA_ALWAYS_VALID=1"
        + " PEBBLE_VA_NOSLEEP=1, polling %s/%s/%s, %d warm-up + %d measured rounds, medians%n", CERTIFICATES,
        workers, polling.first().toMillis() + " ms", polling.longest().toMillis() + " ms",
        polling.inCall().toMillis() + " ms", WARM_UP_ROUNDS, MEASURED_ROUNDS);
    Samples bareTimes = new Samples(MEASURED_ROUNDS);
    Samples engineTimes = new Samples(MEASURED_ROUNDS);
    List<Double> pairedRatios = new ArrayList<>();
    int restarts = 0;
    Setup setup = new Setup(polling);
    try {
      for (int round = 1; round <= WARM_UP_ROUNDS + MEASURED_ROUNDS; round++) {
        Side first = round % 2 == 1 ? Side.BARE : Side.PROVISIONER;
        Run one;
        Run other;
        try {
          one = run(first, setup);
          other = run(first == Side.BARE ? Side.PROVISIONER : Side.BARE, setup);
        } catch (RuntimeException stalled) {
          // Pebble 2.4.0 now and then leaves its store's lock held, and then answers nothing more:
          // the round is repeated on a fresh Pebble.
          if (++restarts > RESTARTS) {
            throw stalled;
          }
          out.printf("  round %d stopped: %s; starting a new Pebble and running the round again%n", round,
              rootCause(stalled));
          setup.close();
          setup = new Setup(polling);
          round--;
          continue;
        }
        Run bareRun = first == Side.BARE ? one : other;
        Run engineRun = first == Side.BARE ? other : one;
        long bareNanos = bareRun.wallNanos();
        long engineNanos = engineRun.wallNanos();
        out.printf("    per certificate: Pebble requests bare %.1f, provisioner %.1f; JVM CPU bare %.2f ms,"
            + " provisioner %.2f ms%n", bareRun.requests() / (double) CERTIFICATES,
            engineRun.requests() / (double) CERTIFICATES, bareRun.cpuNanos() / 1e6 / CERTIFICATES,
            engineRun.cpuNanos() / 1e6 / CERTIFICATES);
        boolean measured = round > WARM_UP_ROUNDS;
        out.printf("  round %d%s: bare acme4j %s (%.1f certs/s), provisioner %s (%.1f certs/s)%n", round,
            measured ? "" : " (warm-up)", Samples.millis(bareNanos), perSecond(bareNanos),
            Samples.millis(engineNanos), perSecond(engineNanos));
        if (measured) {
          bareTimes.add(bareNanos);
          engineTimes.add(engineNanos);
          pairedRatios.add((double) bareNanos / engineNanos);
        }
      }
    } finally {
      setup.close();
    }
    out.printf("bare acme4j loop, %d threads:       %.1f certs/s%n", workers, perSecond(bareTimes.median()));
    out.printf("provisioner, workers(%d):           %.1f certs/s%n", workers, perSecond(engineTimes.median()));
    out.printf("ratio provisioner/bare: %s (target >= 1.1x)%n",
        Samples.ratio(bareTimes.median() / engineTimes.median()));
    pairedRatios.sort(null);
    out.printf("  median of the rounds' own ratios (each pair run back to back): %s; all: %s%n",
        Samples.ratio(pairedRatios.get(pairedRatios.size() / 2)),
        pairedRatios.stream().map(Samples::ratio).toList());
    if (restarts > 0) {
      out.printf("  Pebble was restarted %d time(s) after it stopped answering%n", restarts);
    }
  }

  private static String rootCause(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  /** A Pebble, the HTTP-01 server, the bare loop and the CA adapter, which a new Pebble replaces. */
  private final class Setup implements AutoCloseable {
    final Path directory;
    final BenchPebble pebble;
    final Http01Server http;
    final BareAcmeLoop bare;
    final InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
    final AcmeCertificateAuthority ca;

    Setup(AcmePolling polling) {
      try {
        directory = Files.createTempDirectory("cps-acme-benchmark");
        http = Http01Server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      pebble = new BenchPebble(directory, Clock.systemUTC());
      bare = new BareAcmeLoop(pebble, polling, Clock.systemUTC());
      ca = AcmeCertificateAuthority.builder().directory(pebble.directory()).trustAnchors(pebble.rootPem())
          .agreeToTermsOfService().keyStore(keys).sessions(workers).polling(polling).build();
    }

    @Override
    public void close() {
      http.close();
      pebble.close();
      Fixture.deleteQuietly(directory);
    }
  }

  private enum Side { BARE, PROVISIONER }

  private record Run(long wallNanos, long cpuNanos, long requests) {}

  private Run run(Side side, Setup setup) {
    long before = setup.pebble.requests();
    Timing.Stopwatch watch = Timing.start();
    long wall = side == Side.BARE ? setup.bare.run(nextNames(), workers) : provision(setup.ca, setup.keys, setup.http);
    long cpu = watch.stop().cpuNanos();
    return new Run(wall, cpu, setup.pebble.requests() - before);
  }

  /** Enroll every name and run the background scheduler until all are in production. */
  private long provision(AcmeCertificateAuthority ca, InMemoryPrivateKeyStore keys, Http01Server http) {
    List<String> round = nextNames();
    RecordingNetwork production = new RecordingNetwork("production");
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .clock(Clock.systemUTC())
        .enrollmentStore(new InMemoryEnrollmentStore())
        .keyStore(keys)
        .certificateAuthority(ca)
        .productionNetwork(production)
        .challengeSolver(Http01Solver.publishingTo(http))
        .workers(workers)
        .pollInterval(Duration.ofMillis(50))
        .build()) {
      long start = System.nanoTime();
      List<CompletableFuture<DeployedCertificate>> live = new ArrayList<>(round.size());
      for (String name : round) {
        Enrollment enrolled = provisioner.enroll(EnrollmentRequest.builder().commonName(name).build(), "benchmark");
        live.add(provisioner.awaitProduction(enrolled.id(), enrolled.openChange().orElseThrow().id()));
      }
      provisioner.start();
      CompletableFuture.allOf(live.toArray(CompletableFuture[]::new)).get(ROUND_LIMIT.toSeconds(), TimeUnit.SECONDS);
      long elapsed = System.nanoTime() - start;
      if (production.deployments().size() != round.size()) {
        throw new IllegalStateException("expected " + round.size() + " certificates in production, got "
            + production.deployments().size());
      }
      return elapsed;
    } catch (Exception e) {
      throw new IllegalStateException("the provisioner round failed", e);
    }
  }

  private List<String> nextNames() {
    List<String> round = new ArrayList<>(CERTIFICATES);
    for (int i = 0; i < CERTIFICATES; i++) {
      round.add("bench-" + (++names) + ".example.com");
    }
    return round;
  }

  private static double perSecond(double nanos) {
    return CERTIFICATES / (nanos / 1e9);
  }
}
