package dev.cps.internal.engine;

import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds due work through the store's index and runs it with bounded concurrency, each worker
 * stepping a wave of enrollments side by side: once on request ({@link #runDue()}, in passes whose
 * claimed batches overlap), or in the background until closed. In the background each worker that
 * frees up is handed due work at once (one enrollment, or a wave of a backlog), and an enrollment
 * goes on as far as the clock lets it: no enrollment waits for a pass's slowest one.
 *
 * <p>The leases it holds are renewed while it holds them ({@link #keepLeases}): a step that runs
 * longer than a lease, such as a deployment that hangs, is not taken over and done again by another
 * provisioner. A provisioner that dies renews nothing, and its leases run out.
 */
final class Scheduler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
  private static final int BATCH = 256;
  /** The longest the background loop sleeps: picks up work other engines or clock jumps made due. */
  private static final Duration LONGEST_SLEEP = Duration.ofSeconds(30);
  private static final Duration AFTER_STORE_FAILURE = Duration.ofSeconds(5);
  private static final Duration FIRST_QUARANTINE = Duration.ofSeconds(1);
  private static final Duration LONGEST_QUARANTINE = Duration.ofMinutes(5);
  /** How long {@link #close()} waits for the steps under way. */
  private static final Duration CLOSING = Duration.ofSeconds(30);
  /** The most time, real, between two looks at the leases held; a sixth of a shorter lease. */
  private static final Duration LONGEST_LEASE_CHECK = Duration.ofSeconds(1);

  /** An enrollment whose processing failed outside the engine's own error handling. */
  private record Quarantine(Instant until, int failures) {}

  private final EngineSettings settings;
  private final Engine engine;
  private final @Nullable ExecutorService workers;
  private final Map<EnrollmentId, Quarantine> quarantined = new ConcurrentHashMap<>();
  /** Enrollments handed to a worker by the background loop and not finished yet. */
  private final Set<EnrollmentId> inFlight = ConcurrentHashMap.newKeySet();
  /** Workers running a wave the background loop handed them. */
  private final AtomicInteger busy = new AtomicInteger();
  /** {@link #runDue()} calls under way, which {@link #close()} waits for. */
  private final AtomicInteger passes = new AtomicInteger();
  /** The worker and loop threads: a close from one of them (a listener's) cannot wait for them. */
  private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();
  /** Set on a thread while it runs a pass: a close from there cannot wait for that pass. */
  private final ThreadLocal<Boolean> inPass = ThreadLocal.withInitial(() -> false);
  /** The leases this provisioner's claims hold, each with its end by the engine's clock. */
  private final Map<EnrollmentId, Instant> leases = new ConcurrentHashMap<>();
  /** The leases taken for inputs under way ({@link #forInput}), renewed as claimed ones are. */
  private final Map<EnrollmentId, Instant> inputLeases = new ConcurrentHashMap<>();
  private final EnrollmentLocks locks;
  private final ScheduledExecutorService leaseKeeper;
  private final Object signal = new Object();
  private boolean woken;
  private volatile boolean running;
  private volatile boolean closed;
  private @Nullable Thread loop;

  Scheduler(EngineSettings settings, Engine engine, EnrollmentLocks locks) {
    this.settings = settings;
    this.engine = engine;
    this.locks = locks;
    this.workers = settings.workers() > 1
        ? Executors.newFixedThreadPool(settings.workers(), owned(daemons("cps-worker"))) : null;
    this.leaseKeeper = Executors.newSingleThreadScheduledExecutor(daemons("cps-lease-keeper"));
    long check = Math.max(10, Math.min(LONGEST_LEASE_CHECK.toMillis(), settings.leaseDuration().toMillis() / 6));
    leaseKeeper.scheduleWithFixedDelay(() -> {
      try {
        keepLeases();
      } catch (RuntimeException e) {
        // Thrown out of here, it would end the keeper: the leases held would run out as they go.
        log.warn("Renewing leases failed; trying again: {}", e.toString());
      }
    }, check, check, TimeUnit.MILLISECONDS);
  }

  /**
   * Renews each lease held once a third of it has passed by the engine's clock, so that it never
   * runs out while held; one the store no longer holds for this provisioner (it ran out, or another
   * took it) is forgotten, and a wave whose turn comes to it later leaves it alone. Runs every
   * sixth of a lease (at most a second) of real time: a test's clock that stands still renews
   * nothing.
   */
  private void keepLeases() {
    List<EnrollmentId> lost = new ArrayList<>(keep(leases));
    lost.addAll(keep(inputLeases));
    if (!lost.isEmpty()) {
      log.info("{} lease(s) were gone when renewed (they ran out, or another provisioner took them); no wave here"
          + " steps them until they are claimed afresh: {}", lost.size(),
          lost.size() <= 10 ? lost : lost.subList(0, 10) + " and more");
    }
  }

  /**
   * Renews the leases of the map that have aged; returns those the store no longer holds for this
   * provisioner, which leave the map. An entry replaced meanwhile (released and taken again) is
   * left as it is.
   */
  private List<EnrollmentId> keep(Map<EnrollmentId, Instant> held) {
    if (held.isEmpty()) {
      return List.of();
    }
    Instant now = settings.clock().instant();
    Duration lease = settings.leaseDuration();
    Instant renewBefore = now.plus(lease.minus(lease.dividedBy(3)));
    Map<EnrollmentId, Instant> aging = new LinkedHashMap<>();
    held.forEach((id, until) -> {
      if (until.isBefore(renewBefore)) {
        aging.put(id, until);
      }
    });
    if (aging.isEmpty()) {
      return List.of();
    }
    Set<EnrollmentId> renewed = settings.store().renew(aging.keySet(), settings.nodeId(), now, lease);
    Instant until = now.plus(lease);
    List<EnrollmentId> lost = new ArrayList<>();
    aging.forEach((id, seen) -> {
      if (renewed.contains(id)) {
        held.replace(id, seen, until);
      } else if (held.remove(id, seen)) {
        lost.add(id); // not released meanwhile: the store no longer holds it for this provisioner
      }
    });
    return lost;
  }

  /** Notes leases just claimed from {@code from}: held until released, renewed meanwhile. */
  private void leased(List<EnrollmentId> claimed, Instant from) {
    Instant until = from.plus(settings.leaseDuration());
    for (EnrollmentId id : claimed) {
      leases.put(id, until);
      inputLeases.remove(id); // an input's lease ran out and this claim took it: the claim's to end
    }
  }

  /** Inputs need a provisioner that renews their leases: one not closed. */
  void requireOpenForInputs() {
    if (closed) {
      throw new IllegalStateException("the provisioner is closed; build a new one to give it inputs");
    }
  }

  /**
   * Runs a person's input under the enrollment's lease in the store, so that no other provisioner
   * steps the enrollment meanwhile; the caller holds the enrollment's lock. A lease this
   * provisioner's claims hold is used: their releases wait for the lock ({@link #release}), so not
   * for less than the input. Else a lease is taken, renewed while the input runs as claimed ones
   * are, and ended after it, unless a claim took it over once it had run out.
   *
   * @throws IllegalStateException if the provisioner is closed (its leases are no longer renewed)
   * @throws dev.cps.spi.EnrollmentLeasedException if another provisioner holds the lease; the input
   *     did not run
   */
  <T> T forInput(EnrollmentId id, Supplier<T> input) {
    if (inputLeases.containsKey(id)) {
      return input.get(); // an input nested in one for the same enrollment, on this thread: the outer ends it
    }
    requireOpenForInputs();
    Instant now = settings.clock().instant();
    // The store, not the claims' map, says whether a claim of this provisioner's still holds the
    // lease: a wave's last write may have ended it already.
    if (!settings.store().lease(id, settings.nodeId(), now, settings.leaseDuration())) {
      return input.get();
    }
    Instant taken = now.plus(settings.leaseDuration());
    inputLeases.put(id, taken);
    try {
      return input.get();
    } finally {
      if (inputLeases.remove(id) != null) {
        releaseInStore(id);
      }
    }
  }

  /**
   * Runs everything due at the pass's start. With workers, batches overlap: while one batch's waves
   * run, the next is claimed and its waves queue behind them, so no worker waits for a claim or for
   * the slowest wave of the batch before it. At most two batches are leased at a time.
   */
  int runDue() {
    if (closed) {
      throw new IllegalStateException("the provisioner is closed; build a new one to run due work");
    }
    boolean outermost = !inPass.get();
    passes.incrementAndGet();
    inPass.set(true);
    try {
      return runPass();
    } finally {
      if (outermost) {
        inPass.remove();
      }
      passes.decrementAndGet();
    }
  }

  private int runPass() {
    Pass pass = new Pass(settings.clock().instant());
    if (workers == null) {
      int worked = 0;
      for (Batch batch = pass.claim(); !batch.due().isEmpty(); batch = pass.claim()) {
        worked += pass.count(runClaimed(batch.due(), pass, batch));
      }
      return worked;
    }
    int worked = 0;
    List<Future<Map<EnrollmentId, Outcome>>> running = List.of();
    while (!Thread.currentThread().isInterrupted()) {
      Batch batch = pass.claim();
      if (batch.due().isEmpty()) {
        if (running.isEmpty()) {
          return worked;
        }
        // What the running waves leave (a lease that aged) is claimable once they end.
        worked += pass.count(collect(running));
        running = List.of();
        continue;
      }
      List<Future<Map<EnrollmentId, Outcome>>> submitted = new ArrayList<>();
      for (List<EnrollmentId> wave : split(batch.due(), settings.workers())) {
        submitted.add(workers.submit(() -> runClaimed(wave, pass, batch)));
      }
      worked += pass.count(collect(running));
      running = submitted;
    }
    // Interrupted: the waves already handed out finish on the workers and end their leases.
    return worked;
  }

  /**
   * When leases taken at {@code claimedAt} are half over: an enrollment whose turn in a wave comes
   * later is released untouched and claimed afresh, rather than stepped while another provisioner
   * may be about to take it over.
   */
  private Instant freshUntil(Instant claimedAt) {
    return claimedAt.plus(settings.leaseDuration().dividedBy(2));
  }

  /**
   * A claimed batch's enrollments to run, the instant they were due and leased at (the pass's start
   * but in a long pass), and when their leases are half over.
   */
  private record Batch(List<EnrollmentId> due, Instant asOf, Instant freshUntil) {}

  /** One {@link #runDue()}: what is due at its start runs, each enrollment's steps once. */
  private final class Pass {
    final Instant start;
    /**
     * Enrollments this pass worked on: not run again in it. Those that used up their steps are due
     * again at once; in a long pass, others come due again by a later claim's instant.
     */
    final Set<EnrollmentId> ran = ConcurrentHashMap.newKeySet();

    Pass(Instant start) {
      this.start = start;
    }

    /**
     * Claims the next batch of what is due at the pass's start; what this pass must not run again is
     * released at once. The store leases from the instant it is given, so once half a lease has
     * passed since the start (a long pass on a real clock), a lease from the start would end soon
     * or have ended already, and another provisioner could claim what this one steps: the batch is
     * then claimed, leased and run as of now, taking what has come due since the start too.
     */
    Batch claim() {
      Instant claimedAt = settings.clock().instant();
      if (closed) {
        return new Batch(List.of(), claimedAt, claimedAt); // the waves under way end the pass
      }
      Instant asOf = claimedAt.isAfter(freshUntil(start)) ? claimedAt : start;
      List<EnrollmentId> claimed = settings.store().claim(
          asOf, BATCH + ran.size() + quarantined.size(), settings.nodeId(), settings.leaseDuration());
      leased(claimed, asOf);
      List<EnrollmentId> due = new ArrayList<>(claimed.size());
      for (EnrollmentId id : claimed) {
        if (ran.contains(id) || isQuarantined(id, asOf)) {
          release(id);
        } else {
          due.add(id);
        }
      }
      return new Batch(due, asOf, freshUntil(claimedAt));
    }

    /** How many of a wave's or batch's enrollments were worked on (not left for a fresh claim). */
    int count(Map<EnrollmentId, Outcome> outcomes) {
      return (int) outcomes.values().stream().filter(o -> o != Outcome.LEASE_AGED).count();
    }
  }

  /** What became of one claimed enrollment in a pass. */
  private enum Outcome {
    /** Its steps due at the pass's start ran. */
    DONE,
    /** Its steps due at the pass's start ran, and its last write ended its lease. */
    RELEASED,
    /** It used up its steps for this pass and is due again. */
    STILL_DUE,
    /**
     * Its turn came after half its lease had passed, or after a renewal found the lease gone:
     * released untouched, so that it is claimed afresh instead of run under a lease another
     * provisioner may be about to take over, or holds already.
     */
    LEASE_AGED
  }

  private static Map<EnrollmentId, Outcome> collect(List<Future<Map<EnrollmentId, Outcome>>> waves) {
    Map<EnrollmentId, Outcome> outcomes = new LinkedHashMap<>();
    try {
      for (Future<Map<EnrollmentId, Outcome>> wave : waves) {
        outcomes.putAll(wave.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("a worker failed outside its own error handling", e.getCause());
    }
    return outcomes;
  }

  /** The ids in at most {@code parts} runs of consecutive ones, whose sizes differ by one at most. */
  private static <T> List<List<T>> split(List<T> ids, int parts) {
    int count = Math.min(parts, ids.size());
    List<List<T>> runs = new ArrayList<>(count);
    int from = 0;
    for (int part = 0; part < count; part++) {
      int size = (ids.size() - from) / (count - part);
      runs.add(ids.subList(from, from + size));
      from += size;
    }
    return runs;
  }

  /**
   * Runs a wave of claimed enrollments and ends its leases; what it worked on is noted in the pass
   * before its lease ends, so that no claim of this pass takes it again.
   */
  private Map<EnrollmentId, Outcome> runClaimed(List<EnrollmentId> wave, Pass pass, Batch batch) {
    Map<EnrollmentId, Outcome> outcomes = Map.of();
    try {
      outcomes = processSafely(wave, batch.asOf(), false, batch.freshUntil());
      outcomes.forEach((id, outcome) -> {
        if (outcome != Outcome.LEASE_AGED) {
          pass.ran.add(id);
        }
      });
      return outcomes;
    } finally {
      releaseUnlessReleased(wave, outcomes);
    }
  }

  /** Releases the enrollments whose last write did not end their lease already. */
  private void releaseUnlessReleased(List<EnrollmentId> wave, Map<EnrollmentId, Outcome> outcomes) {
    for (EnrollmentId id : wave) {
      if (outcomes.get(id) == Outcome.RELEASED) {
        leases.remove(id);
      } else {
        release(id);
      }
    }
  }

  /**
   * A failure here (the store is down, a document is corrupt) stays with its enrollment: it is left
   * alone for a while, longer each time, so the others go on and nothing hot-loops.
   */
  private Map<EnrollmentId, Outcome> processSafely(List<EnrollmentId> ids, Instant passStart, boolean followClock,
      Instant freshUntil) {
    Map<EnrollmentId, Outcome> outcomes = new LinkedHashMap<>();
    Map<EnrollmentId, Wave.@Nullable Outcome> processed;
    try {
      processed = engine.processAll(ids, passStart, followClock, id -> leaseHeld(id, freshUntil));
    } catch (RuntimeException e) {
      ids.forEach(id -> {
        quarantine(id, e);
        outcomes.put(id, Outcome.STILL_DUE);
      });
      return outcomes;
    }
    for (EnrollmentId id : ids) {
      Wave.Outcome outcome = processed.get(id);
      if (outcome instanceof Wave.Outcome.Failed failed) {
        quarantine(id, failed.failure());
      } else if (!(outcome instanceof Wave.Outcome.LeaseAged)) {
        quarantined.remove(id);
      }
      outcomes.put(id, outcome == null ? Outcome.DONE
          : outcome instanceof Wave.Outcome.Released ? Outcome.RELEASED
          : outcome instanceof Wave.Outcome.LeaseAged ? Outcome.LEASE_AGED : Outcome.STILL_DUE);
    }
    return outcomes;
  }

  /**
   * Whether a wave may step the enrollment now: the provisioner is not closing, less than half its
   * lease has passed, and no renewal found the lease gone ({@link #keepLeases}).
   */
  private boolean leaseHeld(EnrollmentId id, Instant freshUntil) {
    return !closed && !settings.clock().instant().isAfter(freshUntil) && leases.containsKey(id);
  }

  /**
   * Ends this provisioner's lease: the enrollment's next step may be run by any provisioner. Done
   * holding the enrollment's lock, without waiting for it: an input under way on this provisioner,
   * which may be using the lease, ends it once it lets go of the lock.
   */
  private void release(EnrollmentId id) {
    locks.whenFree(id, () -> {
      leases.remove(id);
      releaseInStore(id);
    });
  }

  private void releaseInStore(EnrollmentId id) {
    try {
      settings.store().release(id, settings.nodeId());
    } catch (RuntimeException e) {
      log.info("Releasing the lease on enrollment {} failed; it ends by itself: {}", id, e.toString());
    }
  }

  private void quarantine(EnrollmentId id, RuntimeException e) {
    Quarantine previous = quarantined.get(id);
    int failures = previous == null ? 1 : previous.failures() + 1;
    Duration wait = FIRST_QUARANTINE.multipliedBy(1L << Math.min(failures - 1, 20));
    wait = wait.compareTo(LONGEST_QUARANTINE) > 0 ? LONGEST_QUARANTINE : wait;
    quarantined.put(id, new Quarantine(settings.clock().instant().plus(wait), failures));
    if (previous == null) {
      log.error("Enrollment {} could not be processed; it is tried again in {}", id, wait, e);
    } else {
      log.warn("Enrollment {} could not be processed ({} times); tried again in {}: {}", id, failures, wait,
          e.toString());
    }
  }

  private boolean isQuarantined(EnrollmentId id, Instant now) {
    Quarantine quarantine = quarantined.get(id);
    return quarantine != null && quarantine.until().isAfter(now);
  }

  synchronized void start() {
    if (closed) {
      throw new IllegalStateException("the provisioner is closed; build a new one to start it again");
    }
    if (running) {
      return;
    }
    running = true;
    loop = owned(daemons("cps-scheduler")).newThread(this::loop);
    loop.start();
  }

  /** Tells the background loop that something may be due now. */
  void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  private void loop() {
    while (running) {
      Duration sleep;
      try {
        if (workers == null) {
          runDue();
          sleep = untilNextDue();
        } else {
          sleep = feedWorkers(workers);
        }
      } catch (RuntimeException | Error e) {
        // Whatever it is, the loop goes on: a thread that ended here would leave the provisioner
        // started but running nothing, and say so nowhere else.
        log.error("Scheduler pass failed; trying again in {}: {}", AFTER_STORE_FAILURE, e.toString(), e);
        sleep = AFTER_STORE_FAILURE;
      }
      synchronized (signal) {
        if (!woken && running && !sleep.isZero()) {
          try {
            signal.wait(Math.max(1, sleep.toMillis()));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        woken = false;
      }
    }
  }

  /**
   * Claims due work for the idle workers and hands each a wave of it ({@link Engine#processAll}):
   * one enrollment each while there is no more due than idle workers, so that none waits for
   * another's slow step; up to {@link #waveLimit} each when a backlog builds (a mass renewal), so
   * that a store that commits in groups gets many writes at once. A worker that finishes wakes the
   * loop.
   *
   * @return how long the loop may sleep
   */
  private Duration feedWorkers(ExecutorService pool) {
    int idle = settings.workers() - busy.get();
    if (idle <= 0) {
      return LONGEST_SLEEP;
    }
    Instant now = settings.clock().instant();
    int wanted = idle * waveLimit();
    // Quarantined enrollments come back from the claim too: ask for enough to get past them.
    List<EnrollmentId> claimed = settings.store().claim(
        now, wanted + quarantined.size(), settings.nodeId(), settings.leaseDuration());
    leased(claimed, now);
    List<EnrollmentId> runnable = new ArrayList<>();
    for (EnrollmentId id : claimed) {
      if (runnable.size() == wanted || isQuarantined(id, now)) {
        release(id);
        continue;
      }
      if (!inFlight.add(id)) {
        // A worker has it and its lease ran out: this claim's lease keeps other provisioners off it
        // while the worker runs, and the worker ends it when done.
        continue;
      }
      runnable.add(id);
    }
    // A wave steps its enrollments round after round as the clock makes them due; bounded by
    // freshUntil as in a pass (ClusterTest counted double deployments without it).
    Instant freshUntil = freshUntil(now);
    for (List<EnrollmentId> wave : split(runnable, idle)) {
      busy.incrementAndGet();
      pool.execute(() -> {
        try {
          processSafely(wave, now, true, freshUntil);
        } finally {
          // Out of flight before the lease ends: a claim that gets it next hands it to a worker.
          // (Steps that follow the clock keep their leases to the wave's end; see Engine#stepEach.)
          wave.forEach(id -> {
            inFlight.remove(id);
            release(id);
          });
          busy.decrementAndGet();
          wake();
        }
      });
    }
    if (runnable.size() >= idle) {
      return LONGEST_SLEEP;
    }
    return untilNextDue();
  }

  /** The most enrollments a worker steps side by side: a claimed batch shared by all workers. */
  private int waveLimit() {
    return Math.max(1, BATCH / settings.workers());
  }

  /**
   * Until the next due instant, at most {@link #LONGEST_SLEEP}. What is due now but quarantined
   * waits for its quarantine instead, so a pass is never followed at once by another that would
   * find nothing it may run; but not past the next action of an enrollment that is not quarantined
   * (a corrupt row, quarantined for minutes, must not hold back another's poll due in seconds).
   */
  Duration untilNextDue() {
    Instant now = settings.clock().instant();
    Optional<Instant> next = settings.store().nextDue();
    if (next.isEmpty()) {
      return LONGEST_SLEEP;
    }
    Duration until = Duration.between(now, next.get());
    if (!until.isNegative() && !until.isZero()) {
      return atMostLongestSleep(until);
    }
    int skipped = quarantined.size() + inFlight.size();
    List<EnrollmentId> due = settings.store().due(now, BATCH + skipped);
    if (due.stream().anyMatch(id -> !isQuarantined(id, now) && !inFlight.contains(id))) {
      return Duration.ZERO;
    }
    Instant wakeAt = quarantined.values().stream().map(Quarantine::until).min(Instant::compareTo).orElse(now);
    // Earliest first: the first that is neither quarantined nor in flight comes due next.
    for (EnrollmentId id : settings.store().due(wakeAt, BATCH + skipped)) {
      if (!isQuarantined(id, now) && !inFlight.contains(id)) {
        Instant nextAction = settings.store().find(id).map(Enrollment::nextActionAt).orElse(null);
        if (nextAction != null && nextAction.isBefore(wakeAt)) {
          wakeAt = nextAction;
        }
        break;
      }
    }
    Duration wait = Duration.between(now, wakeAt);
    return atMostLongestSleep(wait.compareTo(FIRST_QUARANTINE) < 0 ? FIRST_QUARANTINE : wait);
  }

  private static Duration atMostLongestSleep(Duration sleep) {
    return sleep.compareTo(LONGEST_SLEEP) > 0 ? LONGEST_SLEEP : sleep;
  }

  @Override
  public void close() {
    Thread running;
    synchronized (this) {
      this.closed = true;
      this.running = false;
      running = loop;
      loop = null;
    }
    wake();
    if (ownThreads.contains(Thread.currentThread()) || inPass.get()) {
      // A listener's close, on a thread of this scheduler: what runs here finishes once it returns.
      if (workers != null) {
        workers.shutdown();
      }
      leaseKeeper.shutdown();
      return;
    }
    long deadline = System.nanoTime() + CLOSING.toNanos();
    try {
      if (running != null) {
        running.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      // Steps under way finish, their leases renewed meanwhile; none starts after them.
      while (passes.get() > 0 && deadline - System.nanoTime() > 0) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
      }
      if (workers != null) {
        workers.shutdown();
        workers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (passes.get() > 0 || (workers != null && !workers.isTerminated())) {
      log.warn("Closed with steps still running after {}; their leases run out and another provisioner, or"
          + " this one started again, goes on", CLOSING);
    }
    leaseKeeper.shutdownNow();
  }

  /** Threads of the factory, noted as this scheduler's own. */
  private ThreadFactory owned(ThreadFactory factory) {
    return runnable -> {
      Thread thread = factory.newThread(runnable);
      ownThreads.add(thread);
      return thread;
    };
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
