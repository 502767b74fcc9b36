package dev.cps.internal.engine;

import dev.cps.ChangeClosedException;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.ProvisioningListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events to the host's listeners after the step that caused them is stored, and completes
 * the futures of hosts waiting for a change to reach production.
 */
final class Events {
  private static final Logger log = LoggerFactory.getLogger(Events.class);

  private final List<ProvisioningListener> listeners;
  private final EnrollmentLocks locks;
  private final Map<ChangeId, CompletableFuture<DeployedCertificate>> waiting = new ConcurrentHashMap<>();

  Events(List<ProvisioningListener> listeners, EnrollmentLocks locks) {
    this.listeners = listeners;
    this.locks = locks;
  }

  /** Delivers the events once the step that caused them has released the enrollment's lock. */
  void emit(List<ProvisioningEvent> events) {
    if (!events.isEmpty() && !listeners.isEmpty()) {
      locks.afterUnlock(() -> deliver(events));
    }
  }

  private void deliver(List<ProvisioningEvent> events) {
    for (ProvisioningEvent event : events) {
      log.debug("{}", event);
      for (ProvisioningListener listener : listeners) {
        try {
          listener.onEvent(event);
        } catch (VirtualMachineError fatal) {
          throw fatal;
        } catch (RuntimeException | Error e) {
          // An Error too (a failed assertion in a host's listener, a class missing from its class
          // path): thrown on, it would end the engine's pass or an input after its write, and the
          // events still to deliver would be lost.
          log.warn("Listener {} failed on {}: {}", listener.getClass().getName(), event.getClass().getSimpleName(),
              e.toString());
        }
      }
    }
  }

  /** How many changes someone waits for. */
  int waiting() {
    return waiting.size();
  }

  /** A future for the change; the caller settles it against a fresh read of the store. */
  CompletableFuture<DeployedCertificate> await(ChangeId change) {
    return waiting.computeIfAbsent(change, id -> new CompletableFuture<>());
  }

  /** Forgets the change's future, failing it: what it waited for is gone from the store. */
  void forget(ChangeId change, RuntimeException why) {
    CompletableFuture<DeployedCertificate> future = waiting.remove(change);
    if (future != null) {
      future.completeExceptionally(why);
    }
  }

  /**
   * Completes the waiting future, if any, once the change is closed. Completed on the common pool,
   * not on the engine's thread: a host's callback that blocks must not stall the engine.
   */
  void settle(Enrollment enrollment, Change change) {
    if (!change.state().terminal()) {
      return;
    }
    CompletableFuture<DeployedCertificate> future = waiting.remove(change.id());
    if (future == null) {
      return;
    }
    DeployedCertificate deployed = change.state() instanceof ChangeState.Completed ? deployment(enrollment, change)
        : null;
    ForkJoinPool.commonPool().execute(() -> {
      if (deployed != null) {
        future.complete(deployed);
      } else {
        future.completeExceptionally(new ChangeClosedException(change.id(), change.state()));
      }
    });
  }

  /** The deployment a completed change made: live now, or replaced since and in the history. */
  private static @Nullable DeployedCertificate deployment(Enrollment enrollment, Change change) {
    DeployedCertificate production = enrollment.production();
    if (production != null && production.change().equals(change.id())) {
      return production;
    }
    return enrollment.history().stream().filter(d -> d.change().equals(change.id())).findFirst()
        .orElse(null);
  }
}
