package dev.cps.benchmarks;

import dev.cps.spi.EnrollmentRequest;
import dev.cps.testkit.InMemoryEnrollmentStore;
import java.io.PrintStream;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * 2,000 EC P-256 DV enrollments taken to production by one {@code runDue()} with {@code workers(N)},
 * against the crypto-only floor ({@link CryptoFloor}) on the same provider and N threads, in the
 * same JVM. Rounds alternate which of the two goes first; the medians of the measured rounds are
 * compared. Warm-up is long because each engine step runs once per enrollment: C2 compiles the
 * steps only after some 15,000 enrollments. The floor is also taken with the JDK's SunEC, to show
 * why BouncyCastle is the default.
 */
final class WorkflowBenchmark {
  static final int ENROLLMENTS = 2_000;
  private static final int WARM_UP_ROUNDS = 10;
  private static final int MEASURED_ROUNDS = 11;
  private static final int SUN_EC_WARM_UP_ROUNDS = 1;
  private static final int SUN_EC_MEASURED_ROUNDS = 3;

  private final int workers;
  private final PrintStream out;

  WorkflowBenchmark(int workers, PrintStream out) {
    this.workers = workers;
    this.out = out;
  }

  void run() {
    Provider bouncyCastle = new BouncyCastleProvider();
    Provider sunEc = Security.getProvider("SunEC");
    if (sunEc == null) {
      throw new IllegalStateException("this JDK has no SunEC provider");
    }
    List<EnrollmentRequest> requests = Fixture.requests(ENROLLMENTS);
    out.printf("workflow: %,d enrollments (EC P-256, DV, fake CA validating at once), %d worker thread(s),"
        + " %d warm-up + %d measured rounds, medians%n", ENROLLMENTS, workers, WARM_UP_ROUNDS, MEASURED_ROUNDS);

    Samples floor = new Samples(MEASURED_ROUNDS);
    Samples engine = new Samples(MEASURED_ROUNDS);
    Samples floorCpu = new Samples(MEASURED_ROUNDS);
    Samples engineCpu = new Samples(MEASURED_ROUNDS);
    ExecutorService threads = Executors.newFixedThreadPool(workers);
    try {
      CryptoFloor bcFloor = new CryptoFloor(bouncyCastle);
      for (int round = 1; round <= WARM_UP_ROUNDS + MEASURED_ROUNDS; round++) {
        Timing floorRun;
        EngineRun engineRun;
        if (round % 2 == 1) {
          floorRun = timeFloor(bcFloor, requests, threads);
          engineRun = timeEngine(bouncyCastle, requests);
        } else {
          engineRun = timeEngine(bouncyCastle, requests);
          floorRun = timeFloor(bcFloor, requests, threads);
        }
        boolean measured = round > WARM_UP_ROUNDS;
        out.printf("  round %d%s: floor %s (CPU %s), engine %s (CPU %s; enroll %s + runDue %s)%n", round,
            measured ? "" : " (warm-up)", Samples.millis(floorRun.wallNanos()), Samples.millis(floorRun.cpuNanos()),
            Samples.millis(engineRun.total().wallNanos()), Samples.millis(engineRun.total().cpuNanos()),
            Samples.millis(engineRun.enrollWallNanos()),
            Samples.millis(engineRun.total().wallNanos() - engineRun.enrollWallNanos()));
        if (measured) {
          floor.add(floorRun.wallNanos());
          floorCpu.add(floorRun.cpuNanos());
          engine.add(engineRun.total().wallNanos());
          engineCpu.add(engineRun.total().cpuNanos());
        }
      }
      report("crypto-only floor, BouncyCastle, " + workers + " thread(s)", floor);
      report("engine, workers(" + workers + ")", engine);
      out.printf("ratio engine/floor: %s (target <= 1.2x)%n", Samples.ratio(engine.median() / floor.median()));
      out.printf("  CPU time of the JVM, medians: floor %s, engine %s, ratio %s%n", Samples.millis(floorCpu.median()),
          Samples.millis(engineCpu.median()), Samples.ratio(engineCpu.median() / floorCpu.median()));

      Samples sunEcFloor = timeFloorOnly(new CryptoFloor(sunEc), requests, threads);
      report("crypto-only floor, SunEC, " + workers + " thread(s)", sunEcFloor);
      out.printf("ratio SunEC/BouncyCastle floor: %s%n", Samples.ratio(sunEcFloor.median() / floor.median()));
    } finally {
      threads.shutdownNow();
    }
  }

  private void report(String what, Samples samples) {
    out.printf("%-45s %10s total, %.3f ms per enrollment (median of %d)%n", what + ":",
        Samples.millis(samples.median()), samples.median() / 1e6 / ENROLLMENTS, samples.count());
  }

  /** The floor alone, in rounds of its own: the provider comparison needs no engine. */
  private Samples timeFloorOnly(CryptoFloor floor, List<EnrollmentRequest> requests, ExecutorService threads) {
    Samples samples = new Samples(SUN_EC_MEASURED_ROUNDS);
    for (int round = 1; round <= SUN_EC_WARM_UP_ROUNDS + SUN_EC_MEASURED_ROUNDS; round++) {
      Timing run = timeFloor(floor, requests, threads);
      if (round > SUN_EC_WARM_UP_ROUNDS) {
        samples.add(run.wallNanos());
      }
    }
    return samples;
  }

  /** Each thread takes the next request until none is left. */
  private Timing timeFloor(CryptoFloor floor, List<EnrollmentRequest> requests, ExecutorService threads) {
    AtomicInteger next = new AtomicInteger();
    Runnable work = () -> {
      for (int i = next.getAndIncrement(); i < requests.size(); i = next.getAndIncrement()) {
        floor.enroll(requests.get(i));
      }
    };
    System.gc();
    Timing.Stopwatch stopwatch = Timing.start();
    List<Future<?>> running = new ArrayList<>(workers);
    for (int t = 0; t < workers; t++) {
      running.add(threads.submit(work));
    }
    for (Future<?> thread : running) {
      try {
        thread.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("the " + floor.providerName() + " floor failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    return stopwatch.stop();
  }

  private record EngineRun(Timing total, long enrollWallNanos) {}

  /** Fresh stores, CA and provisioner (not timed); then enroll everything and one runDue(). */
  private EngineRun timeEngine(Provider provider, List<EnrollmentRequest> requests) {
    try (Fixture fixture = new Fixture(provider, workers, new InMemoryEnrollmentStore())) {
      System.gc();
      Timing.Stopwatch stopwatch = Timing.start();
      fixture.enrollAll(requests);
      long enrolled = System.nanoTime();
      fixture.provisioner.runDue();
      Timing total = stopwatch.stop();
      fixture.requireAllInProduction(requests.size());
      return new EngineRun(total, enrolled - stopwatch.wallStart());
    }
  }
}
