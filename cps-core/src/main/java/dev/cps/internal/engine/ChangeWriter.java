package dev.cps.internal.engine;

import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.TimelineEntry;
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
 */
final class ChangeWriter {
  /** Closed changes kept on an enrollment beside the open one. */
  static final int KEPT_CHANGES = 20;
  /** Replaced production certificates kept on an enrollment, newest last. */
  static final int KEPT_HISTORY = 20;

  private final EnrollmentStore store;
  private final Clock clock;
  private final Events events;

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
    events.emit(emitted);
    events.settle(written, change);
    return written;
  }

  /** A write that touches only the enrollment (a renewal opening, an expiry warning). */
  Enrollment writeEnrollment(Enrollment enrollment, UnaryOperator<Enrollment.Builder> edit,
      List<ProvisioningEvent> emitted) {
    Enrollment written = store(enrollment, edit.apply(enrollment.toBuilder()));
    events.emit(emitted);
    return written;
  }

  private Enrollment store(Enrollment before, Enrollment.Builder after) {
    Enrollment built =
        after.version(before.version() + 1).trimChanges(KEPT_CHANGES).trimHistory(KEPT_HISTORY).build();
    Enrollment written = built.withNextActionAt(nextAction(built));
    store.update(written, before.version());
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
