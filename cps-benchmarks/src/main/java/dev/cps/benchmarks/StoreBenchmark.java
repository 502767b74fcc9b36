package dev.cps.benchmarks;

import dev.cps.CertificateProvisioner;
import dev.cps.internal.json.EnrollmentJson;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.ValidationType;
import dev.cps.store.jdbc.JdbcStores;
import dev.cps.store.jdbc.KeyEncryptionKey;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.jspecify.annotations.Nullable;

/**
 * The JDBC stores against the in-memory ones, in one run:
 *
 * <ul>
 *   <li>2,000 EC P-256 enrollments through the whole workflow on the fake CA (as {@code workflow}
 *       does), with the enrollments and encrypted keys in an SQLite file (synchronous FULL, the
 *       default, and NORMAL), against the same with the in-memory stores; rounds rotate which goes
 *       first, and the medians of nine measured rounds are compared (the median of each round's own
 *       ratio is printed beside, for a host whose speed drifts between rounds). The enrollments arrive from {@value #REQUESTERS} requesters
 *       at once, and both sides run with {@value #DEFAULT_WORKERS} workers unless told otherwise:
 *       each worker steps a wave of the claimed batch and waits once per round for its writes, and
 *       the SQLite store commits the writes of all waves together. Twenty warm-up rounds
 *       ({@code -Dcps.bench.store.warmup=N}): the JIT compiles for seconds during each of the
 *       first five rounds' SQLite runs (the driver, the group commit, JSON), and now and then for
 *       a few hundred milliseconds until about round 17, on the two cores the runs are timed on.
 *       How long it compiled during each side's measured runs is printed with the figures, as is
 *       each side's CPU time: the SQLite run cannot take less than its CPU time over the cores, which
 *       bounds its ratio from below whatever the waits.
 *   <li>1,000,000 enrollments in production, none due, bulk-loaded into SQLite and into PostgreSQL:
 *       a {@code runDue()} pass with nothing due, and the heap of the idle provisioner after a GC.
 * </ul>
 *
 * {@code -Dcps.bench.store=workflow} or {@code =idle} runs one half. PostgreSQL is measured when
 * {@code CPS_BENCH_PG_URL} (or {@code -Dcps.bench.pg.url}) names a database the benchmark may fill,
 * such as {@code jdbc:postgresql://127.0.0.1:5432/cps?user=postgres}.
 */
final class StoreBenchmark {
  static final int DEFAULT_WORKERS = 64;
  /** Requests arriving at once, whatever the provisioner's workers: a property of the load. */
  static final int REQUESTERS = 64;
  static final int WORKFLOW_ENROLLMENTS = 2_000;
  static final int IDLE_ENROLLMENTS = 1_000_000;
  /**
   * The rounds compared. Rounds on this kind of host vary by a fifth, both sides alike: the median of
   * five moved the ratio by several hundredths from one run to the next.
   */
  private static final int MEASURED_ROUNDS = 9;
  private static final int DISTINCT_DOCUMENTS = 1_000;
  private static final int RUN_DUE_CALLS = 2_000;
  private static final KeyEncryptionKey KEK = KeyEncryptionKey.raw("bench", new byte[KeyEncryptionKey.RAW_LENGTH]);

  private final int workers;
  private final int warmUpRounds = warmUpRounds();
  private final PrintStream out;
  private final Path directory;

  StoreBenchmark(int workers, PrintStream out) {
    this.workers = workers;
    this.out = out;
    try {
      this.directory = Files.createTempDirectory("cps-store-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void run() {
    Provider provider = new BouncyCastleProvider();
    String parts = System.getProperty("cps.bench.store", "all");
    try {
      if (!parts.equals("idle")) {
        workflow(provider);
      }
      if (parts.equals("workflow")) {
        return;
      }
      idle(provider, "SQLite", "jdbc:sqlite:" + directory.resolve("idle.db"));
      String postgres = System.getProperty("cps.bench.pg.url", System.getenv("CPS_BENCH_PG_URL"));
      if (postgres == null) {
        out.println("idle PostgreSQL: not measured; set CPS_BENCH_PG_URL to the JDBC URL of a database to fill");
      } else {
        idle(provider, "PostgreSQL", postgres);
      }
    } finally {
      Fixture.deleteQuietly(directory);
    }
  }

  // ---- the workflow on SQLite against memory --------------------------------------------------

  private static int warmUpRounds() {
    String given = System.getProperty("cps.bench.store.warmup", "20");
    try {
      int rounds = Integer.parseInt(given);
      if (rounds >= 0) {
        return rounds;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("cps.bench.store.warmup must be a whole number of rounds >= 0, was '" + given
        + "'");
  }

  private void workflow(Provider provider) {
    List<EnrollmentRequest> requests = Fixture.requests(WORKFLOW_ENROLLMENTS);
    out.printf("store workflow: %,d enrollments (EC P-256, DV, fake CA validating at once), %d worker thread(s),"
        + " in-memory stores against an SQLite file (keys AES-256-GCM) with synchronous=FULL (the default: each"
        + " commit survives a power loss) and =NORMAL (a crash of the process only), %d warm-up + %d measured"
        + " rounds, medians%n", WORKFLOW_ENROLLMENTS, workers, warmUpRounds, MEASURED_ROUNDS);
    Samples memory = new Samples(MEASURED_ROUNDS);
    Samples full = new Samples(MEASURED_ROUNDS);
    Samples normal = new Samples(MEASURED_ROUNDS);
    Samples paired = new Samples(MEASURED_ROUNDS);
    Samples[] cpu = {new Samples(MEASURED_ROUNDS), new Samples(MEASURED_ROUNDS), new Samples(MEASURED_ROUNDS)};
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
      out.println("  (this JVM does not report its JIT's compile time: the figures below show 0 ms)");
    }
    long[] measuredCompileMillis = new long[3];
    for (int round = 1; round <= warmUpRounds + MEASURED_ROUNDS; round++) {
      long[] nanos = new long[3];
      long[] cpuNanos = new long[3];
      long[] compileMillis = new long[3];
      for (int i = 0; i < 3; i++) {
        int which = (round + i) % 3; // each round starts with another of the three
        long compiledBefore = compiledMillis(jit);
        Timing run = switch (which) {
          case 0 -> timeMemory(provider, requests);
          case 1 -> timeSqlite(provider, requests, round, "FULL");
          default -> timeSqlite(provider, requests, round, "NORMAL");
        };
        nanos[which] = run.wallNanos();
        cpuNanos[which] = run.cpuNanos();
        compileMillis[which] = compiledMillis(jit) - compiledBefore;
      }
      boolean measured = round > warmUpRounds;
      out.printf("  round %d%s: memory %s, sqlite FULL %s, sqlite NORMAL %s (JIT compiling %d, %d, %d ms)%n", round,
          measured ? "" : " (warm-up)", Samples.millis(nanos[0]), Samples.millis(nanos[1]), Samples.millis(nanos[2]),
          compileMillis[0], compileMillis[1], compileMillis[2]);
      if (measured) {
        memory.add(nanos[0]);
        full.add(nanos[1]);
        paired.add(Math.round(nanos[1] * 1e6 / nanos[0])); // the ratio in millionths
        normal.add(nanos[2]);
        for (int which = 0; which < 3; which++) {
          cpu[which].add(cpuNanos[which]);
          measuredCompileMillis[which] += compileMillis[which];
        }
      }
    }
    report("in-memory stores:", memory);
    report("SQLite stores, synchronous=FULL:", full);
    report("SQLite stores, synchronous=NORMAL:", normal);
    out.printf("JIT compiling during the measured runs: memory %d ms, sqlite FULL %d ms, sqlite NORMAL %d ms%n",
        measuredCompileMillis[0], measuredCompileMillis[1], measuredCompileMillis[2]);
    int cores = Runtime.getRuntime().availableProcessors();
    out.printf("CPU time of the whole JVM during the measured runs (GC and JIT included), medians: memory %s,"
        + " sqlite FULL %s, sqlite NORMAL %s (FULL/memory %s); on %d cores the FULL run cannot take less than %s,"
        + " %s the in-memory run%n", Samples.millis(cpu[0].median()), Samples.millis(cpu[1].median()),
        Samples.millis(cpu[2].median()), Samples.ratio(cpu[1].median() / cpu[0].median()), cores,
        Samples.millis(cpu[1].median() / cores), Samples.ratio(cpu[1].median() / cores / memory.median()));
    out.printf("ratio sqlite/memory: %s (target <= 1.3x)%n", Samples.ratio(full.median() / memory.median()));
    out.printf("  with synchronous=NORMAL: %s%n", Samples.ratio(normal.median() / memory.median()));
    out.printf("  median of each round's own ratio (FULL against the memory run of the same round): %s%n",
        Samples.ratio(paired.median() / 1e6));
  }

  /** The JIT's compile time so far, summed over its threads; 0 where the JVM does not report it. */
  private static long compiledMillis(@Nullable CompilationMXBean jit) {
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
  }

  private void report(String what, Samples samples) {
    out.printf("%-45s %10s total, %.3f ms per enrollment (median of %d)%n", what, Samples.millis(samples.median()),
        samples.median() / 1e6 / WORKFLOW_ENROLLMENTS, samples.count());
  }

  private Timing timeMemory(Provider provider, List<EnrollmentRequest> requests) {
    InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
    return timeWorkflow(provider, requests, store, new InMemoryPrivateKeyStore(provider));
  }

  private Timing timeSqlite(Provider provider, List<EnrollmentRequest> requests, int round, String synchronous) {
    Path file = directory.resolve("workflow-" + round + "-" + synchronous + ".db");
    try (JdbcStores stores = JdbcStores.builder().url("jdbc:sqlite:" + file).keyEncryptionKey(KEK)
        .sqliteSynchronous(synchronous).cryptoProvider(provider).build()) {
      return timeWorkflow(provider, requests, stores.enrollments(), stores.keys());
    } finally {
      for (String suffix : List.of("", "-wal", "-shm")) {
        Fixture.deleteQuietly(Path.of(file + suffix));
      }
    }
  }

  /** Enrolls everything and runs one {@code runDue()}; only that is timed. */
  private Timing timeWorkflow(Provider provider, List<EnrollmentRequest> requests, EnrollmentStore store,
      PrivateKeyStore keys) {
    MutableClock clock = MutableClock.at(Fixture.START);
    FakeCertificateAuthority ca = FakeCertificateAuthority.builder().id("fake").clock(clock).provider(provider).build()
        .validationTime(ValidationType.DV, Duration.ZERO);
    RecordingNetwork production = new RecordingNetwork("production");
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(store)
        .keyStore(keys)
        .certificateAuthority(ca)
        .stagingNetwork(new RecordingNetwork("staging"))
        .productionNetwork(production)
        .cryptoProvider(provider)
        .workers(workers)
        .jitterSeed(1)
        .build()) {
      System.gc();
      Timing.Stopwatch watch = Timing.start();
      enrollAtOnce(provisioner, requests);
      provisioner.runDue();
      Timing run = watch.stop();
      long live = store.list().stream().filter(e -> e.production() != null && e.openChange().isEmpty()).count();
      if (live != requests.size() || ca.issuedCount() != requests.size()
          || production.deployments().size() != requests.size()) {
        throw new IllegalStateException("the workflow did not complete on " + store + ": " + live + " in production, "
            + ca.issuedCount() + " issued, " + production.deployments().size() + " deployed");
      }
      return run;
    }
  }

  /** Each request from one of {@value #REQUESTERS} requesters, as a service taking enrollments would. */
  private void enrollAtOnce(CertificateProvisioner provisioner, List<EnrollmentRequest> requests) {
    ExecutorService requesters = Executors.newFixedThreadPool(REQUESTERS);
    try {
      List<Future<Enrollment>> enrolled = new ArrayList<>(requests.size());
      for (EnrollmentRequest request : requests) {
        enrolled.add(requesters.submit(() -> provisioner.enroll(request, "benchmark")));
      }
      for (Future<Enrollment> enrollment : enrolled) {
        enrollment.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while enrolling", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("an enrollment failed", e.getCause());
    } finally {
      requesters.shutdown();
    }
  }

  // ---- a million idle enrollments -------------------------------------------------------------

  private void idle(Provider provider, String name, String url) {
    Instant now = Fixture.START.plus(Duration.ofDays(30));
    List<Enrollment> models = models(provider);
    try (JdbcStores stores = JdbcStores.builder().url(url).keyEncryptionKey(KEK).cryptoProvider(provider).build()) {
      long loadStart = System.nanoTime();
      bulkLoad(url, models, now);
      long loadNanos = System.nanoTime() - loadStart;
      out.printf("idle %s: %,d enrollments in production, none due, bulk-loaded in %.1f s%n", name, IDLE_ENROLLMENTS,
          loadNanos / 1e9);
      long heapBefore = usedHeapAfterGc();
      MutableClock clock = MutableClock.at(now);
      FakeCertificateAuthority ca = FakeCertificateAuthority.builder().id("fake").clock(clock).provider(provider)
          .build();
      try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
          .clock(clock)
          .enrollmentStore(stores.enrollments())
          .keyStore(stores.keys())
          .certificateAuthority(ca)
          .productionNetwork(new RecordingNetwork("production"))
          .cryptoProvider(provider)
          .workers(workers)
          .build()) {
        Samples passes = new Samples(RUN_DUE_CALLS);
        int worked = 0;
        for (int call = 0; call < RUN_DUE_CALLS * 2; call++) {
          long start = System.nanoTime();
          worked += provisioner.runDue();
          if (call >= RUN_DUE_CALLS) {
            passes.add(System.nanoTime() - start);
          }
        }
        if (worked != 0) {
          throw new IllegalStateException("runDue worked on " + worked + " enrollments, but none was due");
        }
        out.printf("runDue with nothing due over %,d enrollments in %s: median %s, p99 %s (target <= 5 ms)%n",
            IDLE_ENROLLMENTS, name, Samples.micros(passes.median()), Samples.micros(passes.percentile(99)));
        long heap = usedHeapAfterGc();
        out.printf("heap used after GC with the idle provisioner over %s: %,d MB (%,d MB before it was built,"
            + " so %,d MB are the provisioner's; target <= 128 MB)%n", name, heap >> 20, heapBefore >> 20,
            Math.max(0, heap - heapBefore) >> 20);
      }
    }
  }

  /**
   * Enrollments in production, taken through the real workflow, with renewals spread over the next
   * two months; the million rows are their documents under new ids.
   */
  private List<Enrollment> models(Provider provider) {
    InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
    timeWorkflow(provider, Fixture.requests(20), store, new InMemoryPrivateKeyStore(provider));
    List<Enrollment> real = store.list();
    Instant firstRenewal = Fixture.START.plus(Duration.ofDays(31));
    return Stream.iterate(0, i -> i + 1).limit(DISTINCT_DOCUMENTS).map(i -> {
      Enrollment model = real.get(i % real.size());
      Instant renewalAt = firstRenewal.plusSeconds(i * 5_183L);
      return new Enrollment(EnrollmentId.of(idOf(i)), model.version(), model.request(), model.createdAt(),
          model.changes(), model.staging(), model.production(), model.history(), renewalAt, null,
          model.expiryWarningAt(), renewalAt);
    }).toList();
  }

  private static String idOf(int i) {
    return String.format("idle-%07d", i);
  }

  /**
   * Batched inserts in the store's schema, committed every 20,000 rows so that SQLite's log can be
   * checkpointed as the load goes; the id in each document is patched.
   */
  private void bulkLoad(String url, List<Enrollment> models, Instant now) {
    byte[][] documents = new byte[models.size()][];
    int[] idOffsets = new int[models.size()];
    for (int i = 0; i < models.size(); i++) {
      documents[i] = EnrollmentJson.toBytes(models.get(i));
      idOffsets[i] = indexOf(documents[i], idOf(i).getBytes(StandardCharsets.US_ASCII));
    }
    String loadUrl = url.startsWith("jdbc:postgresql:") ? url + (url.contains("?") ? "&" : "?")
        + "reWriteBatchedInserts=true" : url;
    try (Connection connection = DriverManager.getConnection(loadUrl)) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("DELETE FROM cps_enrollment");
        if (url.startsWith("jdbc:sqlite:")) {
          statement.execute("PRAGMA synchronous=OFF"); // this connection's bulk load only
        }
      }
      connection.setAutoCommit(false);
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO cps_enrollment (id, version, state, next_action_at, document) VALUES (?, ?, ?, ?, ?)")) {
        for (int i = 0; i < IDLE_ENROLLMENTS; i++) {
          Enrollment model = models.get(i % models.size());
          byte[] document = documents[i % models.size()].clone();
          byte[] id = idOf(i).getBytes(StandardCharsets.US_ASCII);
          System.arraycopy(id, 0, document, idOffsets[i % models.size()], id.length);
          insert.setString(1, idOf(i));
          insert.setLong(2, model.version());
          insert.setString(3, "Completed");
          insert.setLong(4, micros(model.nextActionAt()));
          insert.setBytes(5, document);
          insert.addBatch();
          if (i % 1_000 == 999) {
            insert.executeBatch();
          }
          if (i % 20_000 == 19_999) {
            connection.commit();
          }
        }
        insert.executeBatch();
      }
      connection.commit();
      if (url.startsWith("jdbc:postgresql:")) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("VACUUM ANALYZE cps_enrollment");
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("bulk load into " + url + " failed: " + e.getMessage(), e);
    }
  }

  private static long micros(@Nullable Instant at) {
    if (at == null) {
      throw new IllegalStateException("a model enrollment has no next action");
    }
    return at.getEpochSecond() * 1_000_000L + (at.getNano() + 999) / 1_000;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    // Latin-1 maps each byte to one char, so the string search is the byte search.
    int at = new String(haystack, StandardCharsets.ISO_8859_1)
        .indexOf(new String(needle, StandardCharsets.ISO_8859_1));
    if (at >= 0) {
      return at;
    }
    throw new IllegalStateException("the document does not hold its id " + new String(needle, StandardCharsets.US_ASCII));
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

}
