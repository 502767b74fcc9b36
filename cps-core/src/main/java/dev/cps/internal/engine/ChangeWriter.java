package dev.cps.internal.engine;

import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.TimelineEntry;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Stores one step of a change: bumps the change's and the enrollment's versions, writes the
 * timeline, recomputes the enrollment's next action for the due index, writes with an optimistic
 * version check, and only then emits the events. A write that loses the race throws
 * {@link dev.cps.spi.VersionConflictException} and emits nothing.
 *
 * <p>Inside {@link #inWave}, a write is handed to the store without waiting for it, and the events,
 * with whatever a step runs through {@link #afterWrite}, wait with it in the {@link Wave}: the
 * race is then lost, and nothing emitted, when the wave is waited for.
 */
final class ChangeWriter {
  /** Closed changes kept on an enrollment beside the open one. */
  static final int KEPT_CHANGES = 20;
  /** Replaced production certificates kept on an enrollment, newest last. */
  static final int KEPT_HISTORY = 20;

  private final EnrollmentStore store;
  private final Clock clock;
  private final Events events;
  /** The wave whose steps this thread runs now, if any. */
  private final ThreadLocal<@Nullable Wave> wave = new ThreadLocal<>();

  ChangeWriter(EnrollmentStore store, Clock clock, Events events) {
    this.store = store;
    this.clock = clock;
    this.events = events;
  }

  /** One step of the change's life, described by a builder over the change as it was read. */
  Enrollment write(Enrollment enrollment, Change before, Change.Builder after, String why, String who) {
    return write(enrollment, before, after, why, who, UnaryOperator.identity(), List.of());
  }

  Enrollment write(Enrollment enrollment, Change before, Change.Builder after, String why, String who,
      UnaryOperator<Enrollment.Builder> edit, List<ProvisioningEvent> extraEvents) {
    Instant now = clock.instant();
    Change draft = after.version(before.version() + 1).build();
    // What the step did (deployed, retry scheduled) comes before where it left the change.
    List<ProvisioningEvent> emitted = new ArrayList<>(extraEvents);
    Change change = draft;
    boolean moved = !draft.state().equals(before.state());
    if (moved) {
      String what = before.state().name() + " -> " + draft.state().name() + (why.isEmpty() ? "" : ": " + why);
      change = draft.withTimelineEntry(new TimelineEntry(now, what, who));
      emitted.add(new ProvisioningEvent.Transitioned(
          enrollment.id(), draft.id(), before.state().name(), draft.state().name(), who, now));
    } else if (!why.isEmpty()) {
      change = draft.withTimelineEntry(new TimelineEntry(now, why, who));
    }
    if (moved && change.state().inputNeeded() != null) {
      emitted.add(new ProvisioningEvent.InputNeeded(
          enrollment.id(), change.id(), change.version(), change.state().inputNeeded(), now));
    }
    if (moved && change.state() instanceof ChangeState.Failed failed) {
      emitted.add(new ProvisioningEvent.Failed(enrollment.id(), change.id(), failed.reason(), now));
    }
    Enrollment written = store(enrollment, edit.apply(enrollment.toBuilder().putChange(change)));
    Change stored = change;
    afterWrite(() -> {
      events.emit(emitted);
      events.settle(written, stored);
    });
    return written;
  }

  /** A write that touches only the enrollment (a renewal opening, an expiry warning). */
  Enrollment writeEnrollment(Enrollment enrollment, UnaryOperator<Enrollment.Builder> edit,
      List<ProvisioningEvent> emitted) {
    Enrollment written = store(enrollment, edit.apply(enrollment.toBuilder()));
    afterWrite(() -> events.emit(emitted));
    return written;
  }

  /** Runs the step with its writes handed to the wave; see {@link Wave}. */
  void inWave(Wave steps, Runnable step) {
    wave.set(steps);
    try {
      step.run();
    } finally {
      wave.remove();
    }
  }

  /**
   * A new key for the step: inside a wave, handed to the key store without waiting, and waited for
   * with the step's write; else stored before this returns.
   */
  PublicKey generateKey(PrivateKeyStore keys, KeyId id, KeyType type) {
    Wave current = wave.get();
    if (current == null) {
      return keys.generate(id, type);
    }
    PrivateKeyStore.Generated generated = keys.generateAsync(id, type);
    current.written(generated.stored());
    return generated.publicKey();
  }

  /** Runs the action once the last write is durable: now, or when the wave is waited for. */
  void afterWrite(Runnable action) {
    Wave current = wave.get();
    if (current == null) {
      action.run();
    } else {
      current.afterWrite(action);
    }
  }

  private Enrollment store(Enrollment before, Enrollment.Builder after) {
    Enrollment built =
        after.version(before.version() + 1).trimChanges(KEPT_CHANGES).trimHistory(KEPT_HISTORY).build();
    Enrollment written = built.withNextActionAt(nextAction(built));
    Wave current = wave.get();
    if (current == null) {
      store.update(written, before.version());
      return written;
    }
    String releasing = current.releasing(written.nextActionAt());
    if (releasing == null) {
      current.written(store.updateAsync(written, before.version()));
    } else {
      current.written(store.updateAndReleaseAsync(written, before.version(), releasing), true);
    }
    return written;
  }

  /**
   * The earliest of: the open change's next step, or else the renewal and the next look at the CA's
   * renewal window; and the expiry warning.
   */
  static @Nullable Instant nextAction(Enrollment enrollment) {
    Change open = enrollment.openChange().orElse(null);
    Instant next = enrollment.expiryWarningAt();
    if (open != null) {
      return earlier(next, open.nextActionAt());
    }
    return earlier(earlier(next, enrollment.renewalAt()), enrollment.renewalCheckAt());
  }

  private static @Nullable Instant earlier(@Nullable Instant a, @Nullable Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }
}
