package dev.cps.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Persists enrollments, with their changes, under optimistic versions, and indexes them by
 * {@link Enrollment#nextActionAt()} so that the engine finds due work without scanning.
 */
public interface EnrollmentStore {

  /**
   * Stores a new enrollment.
   *
   * @throws VersionConflictException if an enrollment with that id exists
   */
  void insert(Enrollment enrollment);

  /**
   * Replaces the stored enrollment if its version is still {@code expectedVersion}. The new
   * enrollment carries the new version (greater than the expected one).
   *
   * @throws VersionConflictException if the stored version differs, there is none, or the new
   *     enrollment's version is not greater than {@code expectedVersion}; nothing is written
   */
  void update(Enrollment enrollment, long expectedVersion);

  /**
   * Like {@link #update}, but may return before the write is durable: the future completes once it
   * is, or fails with what {@code update} would have thrown ({@link VersionConflictException}, a
   * store failure), in which case nothing was written. The engine writes the steps of several
   * enrollments this way and waits once for all of them; nothing that follows a step (its next side
   * effect, its events) happens before the step's write completed, so a write lost in a crash is a
   * step done again. Until the future completes, {@link #find} may return either version. The
   * future may complete on a thread of the store's: wait for it rather than chain work on it.
   *
   * <p>The default writes through {@link #update} before it returns.
   */
  default CompletableFuture<Void> updateAsync(Enrollment enrollment, long expectedVersion) {
    try {
      update(enrollment, expectedVersion);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Like {@link #updateAsync}, and with the same write ends {@code owner}'s lease on the enrollment
   * if it holds one, as {@link #release} would. The engine ends a claimed enrollment's pass this way
   * when the step it writes leaves nothing due, so that a store that leases need not write the row
   * once more to release it. A write that fails ends no lease.
   *
   * <p>The default updates through {@link #updateAsync} and releases once that write is durable; a
   * release that fails is dropped, as it is best effort: the lease runs out.
   */
  default CompletableFuture<Void> updateAndReleaseAsync(Enrollment enrollment, long expectedVersion, String owner) {
    return updateAsync(enrollment, expectedVersion).thenRun(() -> {
      try {
        release(enrollment.id(), owner);
      } catch (RuntimeException bestEffort) {
        // The lease runs out by itself; the write, which is what the future reports, is durable.
      }
    });
  }

  Optional<Enrollment> find(EnrollmentId id);

  /** Every enrollment, in id order. */
  List<Enrollment> list();

  /**
   * Up to {@code limit} enrollments whose next action is due at {@code now} or before, earliest
   * first, ties in id order. Served from an index: cost grows with what is due, not with what is
   * stored.
   *
   * @throws IllegalArgumentException if {@code limit} is negative
   */
  List<EnrollmentId> due(Instant now, int limit);

  /**
   * The earliest next action of any enrollment, if any has one. A store that leases may report the
   * end of another owner's lease instead of an earlier next action that lease holds back.
   */
  Optional<Instant> nextDue();

  /**
   * Like {@link #due}, but each enrollment returned is leased to {@code owner} until {@code now +
   * lease} or until {@link #release}: while the lease holds, every claim, the owner's own included,
   * skips it (as does {@link #due}); the engine claims its next batch while it still works on the
   * one before. Several provisioners sharing one store split due work this way; one whose process dies
   * loses its leases when they expire. Leases only divide work: every write is still fenced by
   * {@link #update}'s version check.
   *
   * <p>The default, for stores that serve one provisioner, leases nothing.
   */
  default List<EnrollmentId> claim(Instant now, int limit, String owner, Duration lease) {
    return due(now, limit);
  }

  /**
   * Leases one enrollment to {@code owner} until {@code now + lease}, for work that comes from
   * outside the due index: a person's input. While the lease holds, every claim skips the
   * enrollment, as it skips claimed ones, so that no other provisioner steps it between the input's
   * read and its write; and an input on another provisioner waits its turn the same way. The engine
   * releases a lease this returned {@code true} for once the input is stored.
   *
   * <p>The default, for stores that lease nothing, takes nothing and returns {@code false}. A store
   * that leases what it {@linkplain #claim claims} must implement this too: with the default, inputs
   * on one provisioner overwrite the steps another is in the middle of.
   *
   * @return {@code true} if the lease was free (none, or run out at {@code now}) and is now {@code
   *     owner}'s; {@code false} if {@code owner} held a live lease on it already, left as it was, or
   *     no such enrollment is stored
   * @throws EnrollmentLeasedException if another owner's lease on it holds at {@code now}; nothing
   *     changed
   * @throws IllegalArgumentException if {@code lease} is not positive
   */
  default boolean lease(EnrollmentId id, String owner, Instant now, Duration lease) {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, was " + lease);
    }
    return false;
  }

  /** Ends {@code owner}'s lease on the enrollment, if it holds one. Best effort. */
  default void release(EnrollmentId id, String owner) {}

  /**
   * Extends {@code owner}'s leases on the given enrollments to {@code now + lease}, for a step that
   * runs longer than a lease (a deployment that hangs): while it runs, no other owner may take the
   * enrollment and do the step again. Only a lease that {@code owner} still holds at {@code now} is
   * extended; one that ran out, or that another owner took, is not revived.
   *
   * <p>The default, for stores that lease nothing, extends nothing and returns every id: no other
   * owner can take them.
   *
   * @return the ids whose leases were extended
   * @throws IllegalArgumentException if {@code lease} is not positive
   */
  default Set<EnrollmentId> renew(Collection<EnrollmentId> ids, String owner, Instant now, Duration lease) {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, was " + lease);
    }
    return Set.copyOf(ids);
  }
}
