package dev.cps.internal.engine;

import dev.cps.spi.EnrollmentId;
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

  EnrollmentLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  <T> T with(EnrollmentId id, Supplier<T> action) {
    ReentrantLock lock = stripes[Math.floorMod(id.hashCode(), STRIPES)];
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }
}
