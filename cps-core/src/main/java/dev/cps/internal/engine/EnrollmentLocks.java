package dev.cps.internal.engine;

import dev.cps.spi.EnrollmentId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serializes, within this process, the engine's steps and people's inputs on one enrollment, so
 * that an input never lands between a step's side effect (a deployment, an order) and the write
 * that records it. One lock per enrollment, made when first wanted and dropped when nobody holds or
 * waits for it: enrollments never share a lock. A wave ({@link Engine#processAll}) holds the locks of
 * all its enrollments for each round, so there a slow step (a hanging deployment) holds back the
 * inputs to the others until the round ends. Several processes on one store additionally need a
 * lease per change (a store that supports them provides it).
 */
final class EnrollmentLocks {
  private static final Logger log = LoggerFactory.getLogger(EnrollmentLocks.class);

  /**
   * A lock and how many threads hold or wait for it; {@code users} changes only inside the map's
   * compute. {@code whenFree} holds what waits for the lock's holder to let go, guarded by the entry.
   */
  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    final Deque<Runnable> whenFree = new ArrayDeque<>();
    int users;
  }

  private final ConcurrentHashMap<EnrollmentId, Entry> locks = new ConcurrentHashMap<>();
  private final ThreadLocal<Deque<Runnable>> afterUnlock = ThreadLocal.withInitial(ArrayDeque::new);
  private final ThreadLocal<int[]> held = ThreadLocal.withInitial(() -> new int[1]);

  <T> T with(EnrollmentId id, Supplier<T> action) {
    Entry entry = locks.compute(id, (key, existing) -> {
      Entry used = existing != null ? existing : new Entry();
      used.users++;
      return used;
    });
    int[] depth = held.get();
    entry.lock.lock();
    depth[0]++;
    try {
      return action.get();
    } finally {
      depth[0]--;
      unlock(entry);
      leave(id);
      if (depth[0] == 0) {
        runDeferred();
      }
    }
  }

  /**
   * Runs the action holding the enrollment's lock: now, if no thread holds it, or else on the
   * thread that holds it, as that thread lets go of it for the last time, before any other takes it.
   * It never waits for the lock, so a scheduler thread hands over what must not overlap an input
   * (ending a lease the input uses) without waiting for the input. The action runs under the
   * entry's monitor as well: it must not take another enrollment's lock.
   */
  void whenFree(EnrollmentId id, Runnable action) {
    Entry entry = locks.compute(id, (key, existing) -> {
      Entry used = existing != null ? existing : new Entry();
      used.users++;
      return used;
    });
    try {
      synchronized (entry) {
        if (!entry.lock.tryLock()) {
          entry.whenFree.add(action);
          return;
        }
      }
      try {
        action.run();
      } finally {
        unlock(entry);
      }
    } finally {
      leave(id);
    }
  }

  /** Lets go of the lock, first running, still holding it, what waits for it to be free. */
  private static void unlock(Entry entry) {
    if (entry.lock.getHoldCount() > 1) {
      entry.lock.unlock();
      return;
    }
    synchronized (entry) {
      try {
        for (Runnable waiting = entry.whenFree.poll(); waiting != null; waiting = entry.whenFree.poll()) {
          try {
            waiting.run();
          } catch (RuntimeException e) {
            log.warn("What waited for the lock of an enrollment failed: {}", e.toString());
          }
        }
      } finally {
        entry.lock.unlock();
      }
    }
  }

  /**
   * Runs the action holding the lock of each enrollment. Take them in one order everywhere (the
   * engine sorts by id), so that two threads taking overlapping sets cannot deadlock.
   */
  <T> T withAll(List<EnrollmentId> ids, Supplier<T> action) {
    return withAll(ids, 0, action);
  }

  private <T> T withAll(List<EnrollmentId> ids, int from, Supplier<T> action) {
    if (from == ids.size()) {
      return action.get();
    }
    return with(ids.get(from), () -> withAll(ids, from + 1, action));
  }

  private void leave(EnrollmentId id) {
    locks.computeIfPresent(id, (key, entry) -> --entry.users == 0 ? null : entry);
  }

  /** How many enrollments have a lock now; tests see the locks dropped. */
  int size() {
    return locks.size();
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
