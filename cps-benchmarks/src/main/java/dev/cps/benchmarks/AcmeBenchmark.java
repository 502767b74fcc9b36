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
  private static final int WARM_UP_ROUNDS = 3;
  private static final int MEASURED_ROUNDS = 5;

  private final int workers;
  private final PrintStream out;
  private int names;

  AcmeBenchmark(int workers, PrintStream out) {
    this.workers = workers;
    this.out = out;
  }

  void run() {
    Path directory;
    try {
      directory = Files.createTempDirectory("cps-acme-benchmark");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AcmePolling polling = AcmePolling.DEFAULT;
    try (BenchPebble pebble = new BenchPebble(directory, Clock.systemUTC());
        Http01Server http = Http01Server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      out.printf("acme: %d certificates per round, concurrency %d, Pebble with PEBBLE_VA_ALWAYS_VALID=1"
          + " PEBBLE_VA_NOSLEEP=1, polling %s/%s/%s, %d warm-up + %d measured rounds, medians%n", CERTIFICATES,
          workers, polling.first().toMillis() + " ms", polling.longest().toMillis() + " ms",
          polling.inCall().toMillis() + " ms", WARM_UP_ROUNDS, MEASURED_ROUNDS);
      BareAcmeLoop bare = new BareAcmeLoop(pebble, polling, Clock.systemUTC());
      InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
      AcmeCertificateAuthority ca = AcmeCertificateAuthority.builder().directory(pebble.directory())
          .trustAnchors(pebble.rootPem()).agreeToTermsOfService().keyStore(keys).sessions(workers)
          .polling(polling).build();
      Samples bareTimes = new Samples(MEASURED_ROUNDS);
      Samples engineTimes = new Samples(MEASURED_ROUNDS);
      List<Double> pairedRatios = new ArrayList<>();
      for (int round = 1; round <= WARM_UP_ROUNDS + MEASURED_ROUNDS; round++) {
        Side first = round % 2 == 1 ? Side.BARE : Side.PROVISIONER;
        Run one = run(first, pebble, bare, ca, keys, http);
        Run other = run(first == Side.BARE ? Side.PROVISIONER : Side.BARE, pebble, bare, ca, keys, http);
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
      out.printf("bare acme4j loop, %d threads:       %.1f certs/s%n", workers, perSecond(bareTimes.median()));
      out.printf("provisioner, workers(%d):           %.1f certs/s%n", workers, perSecond(engineTimes.median()));
      out.printf("ratio provisioner/bare: %s (target >= 1.1x)%n",
          Samples.ratio(bareTimes.median() / engineTimes.median()));
      pairedRatios.sort(null);
      out.printf("  median of the rounds' own ratios (each pair run back to back): %s; all: %s%n",
          Samples.ratio(pairedRatios.get(pairedRatios.size() / 2)),
          pairedRatios.stream().map(Samples::ratio).toList());
    }
  }

  private enum Side { BARE, PROVISIONER }

  private record Run(long wallNanos, long cpuNanos, long requests) {}

  private Run run(Side side, BenchPebble pebble, BareAcmeLoop bare, AcmeCertificateAuthority ca,
      InMemoryPrivateKeyStore keys, Http01Server http) {
    long before = pebble.requests();
    Timing.Stopwatch watch = Timing.start();
    long wall = side == Side.BARE ? bare.run(nextNames(), workers) : provision(ca, keys, http);
    long cpu = watch.stop().cpuNanos();
    return new Run(wall, cpu, pebble.requests() - before);
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
      CompletableFuture.allOf(live.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
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
