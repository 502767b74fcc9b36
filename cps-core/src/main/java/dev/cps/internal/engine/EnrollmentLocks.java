package dev.cps.internal.engine;

import dev.cps.spi.EnrollmentId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serializes, within this process, the engine's steps and people's inputs on one enrollment, so
 * that an input never lands between a step's side effect (a deployment, an order) and the write
 * that records it. Striped: enrollments share a fixed set of locks. Several processes on one store
 * additionally need a lease per change (a store that supports them provides it).
 */
final class EnrollmentLocks {
  private static final int STRIPES = 1024;

  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final ThreadLocal<Deque<Runnable>> afterUnlock = ThreadLocal.withInitial(ArrayDeque::new);
  private final ThreadLocal<int[]> held = ThreadLocal.withInitial(() -> new int[1]);

  EnrollmentLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  <T> T with(EnrollmentId id, Supplier<T> action) {
    ReentrantLock lock = stripes[Math.floorMod(id.hashCode(), STRIPES)];
    int[] depth = held.get();
    lock.lock();
    depth[0]++;
    try {
      return action.get();
    } finally {
      depth[0]--;
      lock.unlock();
      if (depth[0] == 0) {
        runDeferred();
      }
    }
  }

  /**
   * Runs the action once this thread holds no enrollment lock: a listener may then call the
   * provisioner, for this enrollment or another, from any thread, without waiting on a lock this
   * thread holds.
   */
  void afterUnlock(Runnable action) {
    if (held.get()[0] == 0) {
      action.run();
    } else {
      afterUnlock.get().add(action);
    }
  }

  private void runDeferred() {
    Deque<Runnable> deferred = afterUnlock.get();
    for (Runnable action = deferred.poll(); action != null; action = deferred.poll()) {
      action.run();
    }
  }
}
