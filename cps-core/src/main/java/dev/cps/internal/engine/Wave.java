package dev.cps.internal.engine;

import dev.cps.spi.EnrollmentId;
import dev.cps.spi.VersionConflictException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One step of each of several enrollments, whose writes are waited for together: each step hands
 * its write to the store without waiting ({@link dev.cps.spi.EnrollmentStore#updateAsync}), and
 * what must follow the write (events, deleting a key) waits here with it. {@link #await} waits once
 * for all of them, so a thread that steps many enrollments sleeps once per round, not once per
 * write, and the store can commit the writes together.
 */
final class Wave {
  private static final Logger log = LoggerFactory.getLogger(Wave.class);

  /** What became of an enrollment's step once its writes were waited for. */
  sealed interface Outcome {
    /** Written, or lost a race to another writer (the enrollment is read again). */
    record Stepped() implements Outcome {}

    /**
     * Written, leaving nothing due in this pass, and the write ended the lease ({@link
     * dev.cps.spi.EnrollmentStore#updateAndReleaseAsync}): the pass is over for it, and the lease
     * is not released again.
     */
    record Released() implements Outcome {}

    /** The step, or its write, failed outside the engine's own error handling. */
    record Failed(RuntimeException failure) implements Outcome {}

    /**
     * Not stepped: half its lease had passed when its turn came, or a renewal found the lease gone,
     * so it is left to be claimed afresh rather than run under a lease another provisioner may be
     * about to take over, or holds already.
     */
    record LeaseAged() implements Outcome {}
  }

  /** A write handed to the store and what runs once it is durable; whether it ends the lease. */
  private record Pending(CompletableFuture<?> write, List<Runnable> after, boolean releases) {}

  /** Each enrollment's writes in the order its step made them; empty for a step that wrote nothing. */
  private final Map<EnrollmentId, List<Pending>> writes = new LinkedHashMap<>();
  private final Map<EnrollmentId, RuntimeException> failures = new LinkedHashMap<>();
  private final @Nullable String leaseOwner;
  private final Instant dueBy;
  private @Nullable EnrollmentId current;

  /**
   * @param leaseOwner the owner of the leases on the wave's enrollments, whose lease a write that
   *     leaves its enrollment with nothing due ends; null to leave leases alone
   * @param dueBy what is due at or before this instant is stepped in this round
   */
  Wave(@Nullable String leaseOwner, Instant dueBy) {
    this.leaseOwner = leaseOwner;
    this.dueBy = dueBy;
  }

  /**
   * The owner whose lease a write should end: the wave's, if the write leaves its enrollment's next
   * action after {@code dueBy}, so that no later round of this pass steps it.
   */
  @Nullable String releasing(@Nullable Instant nextAction) {
    return nextAction == null || nextAction.isAfter(dueBy) ? leaseOwner : null;
  }

  /** The enrollment whose step runs now: the writes that follow are its. */
  void begin(EnrollmentId id) {
    current = id;
    writes.put(id, new ArrayList<>());
  }

  /** The current enrollment has nothing due: it has no outcome. */
  void notDue() {
    writes.remove(currentId());
    current = null;
  }

  /** A write of the current enrollment's step, handed to a store; a key's, or the enrollment's. */
  void written(CompletableFuture<?> write) {
    written(write, false);
  }

  /** @param releases whether the write ends the enrollment's lease ({@link #releasing}) */
  void written(CompletableFuture<?> write, boolean releases) {
    writes.get(currentId()).add(new Pending(write, new ArrayList<>(), releases));
  }

  /** Runs the action once the current enrollment's last write is durable; at once if it made none. */
  void afterWrite(Runnable action) {
    List<Pending> pending = writes.get(currentId());
    if (pending.isEmpty()) {
      action.run();
    } else {
      pending.get(pending.size() - 1).after().add(action);
    }
  }

  /** The current enrollment's step failed before its writes were waited for. */
  void failed(RuntimeException failure) {
    failures.put(currentId(), failure);
  }

  private EnrollmentId currentId() {
    return Objects.requireNonNull(current, "no enrollment's step is running");
  }

  /**
   * Waits for every write, in the order they were made, and runs what follows each one that is
   * durable (also when the step failed after it); what follows a write that lost the version race,
   * or failed, is skipped, and so is what follows the later writes of that enrollment. Every write
   * is waited for, so that the enrollment's lock is held until none is in flight.
   */
  Map<EnrollmentId, Outcome> await() {
    Map<EnrollmentId, Outcome> outcomes = new LinkedHashMap<>();
    for (Map.Entry<EnrollmentId, List<Pending>> step : writes.entrySet()) {
      EnrollmentId id = step.getKey();
      RuntimeException failure = failures.get(id);
      boolean lost = false;
      boolean released = false;
      for (Pending pending : step.getValue()) {
        try {
          pending.write().join();
          // Durable: its lease is gone, whatever became of the step's other writes.
          released |= pending.releases();
        } catch (CompletionException e) {
          RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
          if (cause instanceof VersionConflictException) {
            log.debug("Enrollment {} changed while a step ran (another engine?); reading it again", id);
          } else if (failure == null) {
            failure = cause;
          }
          lost = true;
        }
        if (!lost) {
          try {
            pending.after().forEach(Runnable::run);
          } catch (RuntimeException e) {
            failure = failure == null ? e : failure;
          }
        }
      }
      outcomes.put(id, failure != null ? new Outcome.Failed(failure)
          : released ? new Outcome.Released() : new Outcome.Stepped());
    }
    return outcomes;
  }
}
