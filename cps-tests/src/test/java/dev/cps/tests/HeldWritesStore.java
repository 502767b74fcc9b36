package dev.cps.tests;

import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory store whose {@link #updateAsync} writes are held, not written, until the test lets
 * them go: as a database would hold them until its next commit, but for as long as the test likes.
 * Writes through {@link #update} are not held.
 */
final class HeldWritesStore extends ForwardingEnrollmentStore {
  private record Held(Enrollment enrollment, long expectedVersion, CompletableFuture<Void> write) {}

  private final List<Held> held = new ArrayList<>();
  private final List<List<EnrollmentId>> claims = new ArrayList<>();
  private boolean holding = true;

  /** What each claim so far returned, in order. */
  synchronized List<List<EnrollmentId>> claims() {
    return List.copyOf(claims);
  }

  @Override
  public List<EnrollmentId> claim(Instant now, int limit, String owner, Duration lease) {
    List<EnrollmentId> claimed = super.claim(now, limit, owner, lease);
    synchronized (this) {
      claims.add(claimed);
    }
    return claimed;
  }

  /** Writes handed over and not let go yet. */
  synchronized int held() {
    return held.size();
  }

  /** Writes every held update (those of {@code failing} enrollments fail instead) and stops holding. */
  void letGo(Set<EnrollmentId> failing) {
    List<Held> going;
    synchronized (this) {
      going = List.copyOf(held);
      held.clear();
      holding = false;
    }
    for (Held write : going) {
      if (failing.contains(write.enrollment().id())) {
        write.write().completeExceptionally(new IllegalStateException("the disk is full"));
      } else {
        try {
          stored.update(write.enrollment(), write.expectedVersion());
          write.write().complete(null);
        } catch (RuntimeException e) {
          write.write().completeExceptionally(e);
        }
      }
    }
  }

  /** What is stored now: held writes are not. */
  Optional<Enrollment> stored(EnrollmentId id) {
    return stored.find(id);
  }

  @Override
  public CompletableFuture<Void> updateAsync(Enrollment enrollment, long expectedVersion) {
    synchronized (this) {
      if (holding) {
        Held write = new Held(enrollment, expectedVersion, new CompletableFuture<>());
        held.add(write);
        return write.write();
      }
    }
    return super.updateAsync(enrollment, expectedVersion);
  }

  @Override
  public String toString() {
    return "held writes over " + stored;
  }
}
