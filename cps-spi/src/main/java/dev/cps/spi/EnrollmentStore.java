package dev.cps.spi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

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

  /** The earliest next action of any enrollment, if any has one. */
  Optional<Instant> nextDue();
}
