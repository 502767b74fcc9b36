package dev.cps.benchmarks;

import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.testkit.InMemoryEnrollmentStore;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * {@code runDue()} over 100,000 enrollments in production, none of them due, against a full scan
 * of the same store ({@code store.list()} filtered on {@code nextActionAt <= now}) in the same run.
 * The enrollments are clones, under new ids, of a few hundred taken through the real workflow;
 * their renewals are spread over the next two months.
 */
final class IdleRunDueBenchmark {
  static final int ENROLLMENTS = 100_000;
  private static final int REAL_ENROLLMENTS = 200;
  private static final int WARM_UP_CALLS = 20_000;
  private static final int MEASURED_CALLS = 100_000;
  private static final int WARM_UP_SCANS = 5;
  private static final int MEASURED_SCANS = 30;
  private static final Duration FIRST_RENEWAL = Duration.ofDays(1);
  private static final long RENEWAL_SPREAD_SECONDS = Duration.ofDays(60).toSeconds();

  private final int workers;
  private final PrintStream out;
  /** Keeps the scans' results alive, so that the JIT cannot drop the work. */
  private long sink;

  IdleRunDueBenchmark(int workers, PrintStream out) {
    this.workers = workers;
    this.out = out;
  }

  void run() {
    BouncyCastleProvider provider = new BouncyCastleProvider();
    InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
    try (Fixture real = new Fixture(provider, workers, new InMemoryEnrollmentStore())) {
      real.enrollAll(Fixture.requests(REAL_ENROLLMENTS));
      real.provisioner.runDue();
      real.requireAllInProduction(REAL_ENROLLMENTS);
      fill(store, real.store.list(), real.clock.instant());
    }
    try (Fixture idle = new Fixture(provider, workers, store)) {
      Instant now = idle.clock.instant();
      if (store.size() != ENROLLMENTS || !store.due(now, 1).isEmpty()) {
        throw new IllegalStateException("the idle store is wrong: " + store + ", due now: " + store.due(now, 10));
      }
      out.printf("idle runDue: %,d enrollments in production, none due (the first renewal is %d day(s) away),"
          + " %,d warm-up + %,d measured calls%n", ENROLLMENTS, FIRST_RENEWAL.toDays(), WARM_UP_CALLS, MEASURED_CALLS);
      Samples index = timeRunDue(idle);
      out.printf("runDue with nothing due over %d enrollments: median %s (target <= 1000 us)%n",
          ENROLLMENTS, Samples.micros(index.median()));
      out.printf("  runDue p99 %s, max %s%n", Samples.micros(index.percentile(99)), Samples.micros(index.max()));
      Samples scan = timeScan(store, now);
      out.printf("full scan, store.list() filtered on nextActionAt <= now: median %s, p99 %s (%d scans)%n",
          Samples.micros(scan.median()), Samples.micros(scan.percentile(99)), scan.count());
      out.printf("ratio scan/index: %s%n", Samples.ratio(scan.median() / index.median()));
    }
  }

  /** Clones the real enrollments under new ids until the store holds {@link #ENROLLMENTS}. */
  private static void fill(InMemoryEnrollmentStore store, List<Enrollment> real, Instant now) {
    for (int i = 0; i < ENROLLMENTS; i++) {
      Enrollment model = real.get(i % real.size());
      if (model.production() == null || model.renewalAt() == null || model.expiryWarningAt() == null) {
        throw new IllegalStateException("enrollment " + model.id() + " is not idle in production: " + model);
      }
      Instant renewalAt = now.plus(FIRST_RENEWAL).plusSeconds(i * 7919L % RENEWAL_SPREAD_SECONDS);
      if (!renewalAt.isBefore(model.expiryWarningAt())) {
        throw new IllegalStateException("renewal " + renewalAt + " would follow the expiry warning of " + model);
      }
      store.insert(new Enrollment(EnrollmentId.of(String.format("idle-%06d", i)), model.version(),
          model.request(), model.createdAt(), model.changes(), model.staging(), model.production(),
          model.history(), renewalAt, null, model.expiryWarningAt(), renewalAt));
    }
  }

  private Samples timeRunDue(Fixture idle) {
    Samples samples = new Samples(MEASURED_CALLS);
    int worked = 0;
    for (int call = 0; call < WARM_UP_CALLS + MEASURED_CALLS; call++) {
      long start = System.nanoTime();
      worked += idle.provisioner.runDue();
      long nanos = System.nanoTime() - start;
      if (call >= WARM_UP_CALLS) {
        samples.add(nanos);
      }
    }
    if (worked != 0) {
      throw new IllegalStateException("runDue worked on " + worked + " enrollments, but none was due");
    }
    return samples;
  }

  private Samples timeScan(InMemoryEnrollmentStore store, Instant now) {
    Samples samples = new Samples(MEASURED_SCANS);
    for (int scan = 0; scan < WARM_UP_SCANS + MEASURED_SCANS; scan++) {
      long start = System.nanoTime();
      List<EnrollmentId> due = store.list().stream()
          .filter(e -> e.nextActionAt() != null && !e.nextActionAt().isAfter(now))
          .map(Enrollment::id)
          .toList();
      long nanos = System.nanoTime() - start;
      sink += due.size();
      if (scan >= WARM_UP_SCANS) {
        samples.add(nanos);
      }
    }
    if (sink != 0) {
      throw new IllegalStateException("the scan found " + sink + " due enrollments, but none was due");
    }
    return samples;
  }
}
