package dev.cps.internal.engine;

import dev.cps.ChangePendingException;
import dev.cps.ChangeRef;
import dev.cps.InputNotExpectedException;
import dev.cps.NoSuchEnrollmentException;
import dev.cps.StaleChangeException;
import dev.cps.UpdateMode;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentLeasedException;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.InvalidRequestException;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.TimelineEntry;
import dev.cps.spi.VersionConflictException;
import dev.cps.spi.Violation;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What people do: enroll, update, cancel, accept or deny warnings, acknowledge staging, say
 * challenges are in place, set a deployment date, renew now. Each checks the change's state and
 * version, records who and when, and stores before anything else happens.
 */
final class Inputs {
  private static final Logger log = LoggerFactory.getLogger(Inputs.class);
  private static final int MAX_RACES = 16;

  private final EngineSettings settings;
  private final ChangeWriter writer;
  private final Engine engine;
  private final Events events;
  private final EnrollmentLocks locks;
  private final Scheduler scheduler;

  Inputs(EngineSettings settings, ChangeWriter writer, Engine engine, Events events, EnrollmentLocks locks,
      Scheduler scheduler) {
    this.settings = settings;
    this.writer = writer;
    this.engine = engine;
    this.events = events;
    this.locks = locks;
    this.scheduler = scheduler;
  }

  Enrollment enroll(EnrollmentRequest request, String who) {
    requireWho(who);
    requireKnownAuthority(request);
    Instant now = settings.clock().instant();
    EnrollmentId id = EnrollmentId.random();
    String authority = engine.authorityIdFor(request);
    Change first = Change.open(ChangeId.random(), ChangeReason.NEW_CERTIFICATE, request, authority, now, who);
    Enrollment enrollment = new Enrollment(id, 1, request, now, List.of(first), null, null, List.of(), null, null, null, now);
    settings.store().insert(enrollment);
    events.emit(List.of(new ProvisioningEvent.Transitioned(id, first.id(), "", first.state().name(), who, now)));
    return enrollment;
  }

  Enrollment update(EnrollmentId id, EnrollmentRequest request, UpdateMode mode, String who) {
    requireWho(who);
    // Null would take the cancelling branch below: the caller must say it.
    Objects.requireNonNull(mode, "mode (REFUSE_IF_PENDING or CANCEL_PENDING)");
    requireKnownAuthority(request);
    return withInput(id, () -> {
      for (int race = 0; ; race++) {
        try {
          return updateOnce(id, request, mode, who);
        } catch (VersionConflictException raced) {
          if (race >= MAX_RACES) {
            throw raced;
          }
        }
      }
    });
  }

  /** One write: the new request, the pending change cancelled if asked, the new change opened. */
  private Enrollment updateOnce(EnrollmentId id, EnrollmentRequest request, UpdateMode mode, String who) {
    Enrollment enrollment = load(id);
    if (!enrollment.request().certificateDiffers(request)) {
      return updateSettings(enrollment, request, who);
    }
    Instant now = settings.clock().instant();
    Change change = Change.open(ChangeId.random(), ChangeReason.UPDATE, request, engine.authorityIdFor(request), now,
        who);
    ProvisioningEvent opened = new ProvisioningEvent.Transitioned(id, change.id(), "", change.state().name(), who, now);
    Change open = enrollment.openChange().orElse(null);
    if (open == null) {
      return writer.writeEnrollment(enrollment, b -> b.request(request).putChange(change).renewalAt(null),
          List.of(opened));
    }
    if (mode == UpdateMode.REFUSE_IF_PENDING) {
      throw new ChangePendingException(id, open.id(), open.state().name());
    }
    Enrollment written = writer.write(enrollment, open,
        open.toBuilder().state(new ChangeState.Cancelled("replaced by an update")).nextActionAt(null),
        "cancelled by an update", who, b -> b.request(request).putChange(change).renewalAt(null), List.of(opened));
    withdraw(written, open);
    return written;
  }

  /**
   * An update that leaves the certificate as it is. An open change serves the same certificate, so
   * a new deployment date becomes its date, and one on staging goes through the production gate
   * again with the new date and Always Test on Staging.
   */
  private Enrollment updateSettings(Enrollment enrollment, EnrollmentRequest request, String who) {
    Change open = enrollment.openChange().orElse(null);
    @Nullable Instant date = request.deploymentNotBefore();
    boolean dated = !Objects.equals(date, enrollment.request().deploymentNotBefore());
    boolean tested = request.alwaysTestOnStaging() != enrollment.request().alwaysTestOnStaging();
    if (open == null || !(dated || tested)) {
      return writer.writeEnrollment(enrollment, b -> b.request(request), List.of());
    }
    Instant now = settings.clock().instant();
    // As a change opened now would take it: a date that has passed holds nothing back.
    @Nullable Instant ahead = date != null && date.isAfter(now) ? date : null;
    Change next = dated ? open.toBuilder().deploymentNotBefore(ahead).build() : open;
    String why = dated ? (ahead == null ? "deployment date cleared" : "deployment date set to " + ahead) : "";
    if (tested) {
      why += (why.isEmpty() ? "" : ", ") + "Always Test on Staging " + (request.alwaysTestOnStaging() ? "on" : "off");
    }
    why = "updated: " + why;
    Answer answer = onStaging(open.state())
        ? regate(enrollment.toBuilder().request(request).build(), next, why, now)
        : new Answer(next.toBuilder(), why, b -> b);
    return writer.write(enrollment, open, answer.change(), answer.why(), who, b -> b.request(request), List.of());
  }

  /**
   * Revokes the production certificate at the CA that issued it, then notes it in the timeline of
   * the change that brought the certificate and emits {@link ProvisioningEvent.Revoked}. The CA is
   * called outside the enrollment's lock and lease, as it changes nothing stored: a revocation (a
   * key compromised) is never held back by a step under way.
   */
  DeployedCertificate revoke(EnrollmentId id, RevocationReason reason, String who) {
    requireWho(who);
    scheduler.requireOpenForInputs();
    Objects.requireNonNull(reason, "reason");
    Enrollment enrollment = load(id);
    DeployedCertificate live = enrollment.production();
    if (live == null) {
      throw new IllegalStateException("enrollment " + id + " has no certificate in production to revoke");
    }
    String authority = enrollment.change(live.change()).map(Change::authority)
        .orElseGet(() -> engine.authorityId(enrollment));
    CertificateAuthority ca = settings.authorities().get(authority);
    if (ca == null) {
      throw new IllegalStateException("certificate " + live.chain().serialNumber() + " of enrollment " + id
          + " was issued by '" + authority + "', which is not configured; configured: "
          + settings.authorities().keySet());
    }
    ca.revoke(live.chain(), reason);
    log.info("Certificate {} of enrollment {} revoked at {} ({}) by {}", live.chain().serialNumber(), id, authority,
        reason, who);
    noteRevocation(id, live, authority, reason, who);
    return live;
  }

  /**
   * The CA has revoked the certificate already, so nothing here throws: a note that cannot be
   * stored (the store down, the races lost, the change trimmed from the enrollment, another
   * provisioner working on the enrollment) is logged, and the event is emitted all the same.
   */
  private void noteRevocation(EnrollmentId id, DeployedCertificate revoked, String authority, RevocationReason reason,
      String who) {
    String what = "certificate " + revoked.chain().serialNumber() + " revoked at " + authority + " (" + reason + ")";
    List<ProvisioningEvent> event = List.of(new ProvisioningEvent.Revoked(id, revoked.change(), revoked.chain(), reason,
        who, settings.clock().instant()));
    try {
      withInput(id, () -> {
        for (int race = 0; ; race++) {
          Enrollment enrollment = load(id);
          Change change = enrollment.change(revoked.change()).orElse(null);
          if (change == null) {
            log.warn("Enrollment {} no longer keeps change {}: the revocation of {} is in no timeline", id,
                revoked.change(), revoked.chain().serialNumber());
            events.emit(event);
            return null;
          }
          try {
            writer.write(enrollment, change, change.toBuilder(), what, who, b -> b, event);
            return null;
          } catch (VersionConflictException raced) {
            if (race >= MAX_RACES) {
              throw raced;
            }
          }
        }
      });
    } catch (RuntimeException e) {
      log.warn("Certificate {} of enrollment {} is revoked, but the note of it could not be stored: {}",
          revoked.chain().serialNumber(), id, e.toString());
      events.emit(event);
    }
  }

  Change renewNow(EnrollmentId id, String who) {
    requireWho(who);
    return withInput(id, () -> {
      for (int race = 0; ; race++) {
        Enrollment enrollment = load(id);
        Change open = enrollment.openChange().orElse(null);
        if (open != null) {
          throw new ChangePendingException(id, open.id(), open.state().name());
        }
        Instant now = settings.clock().instant();
        ChangeReason reason = enrollment.production() == null ? ChangeReason.NEW_CERTIFICATE : ChangeReason.RENEWAL;
        Change change = Change.open(ChangeId.random(), reason, enrollment.request(), engine.authorityId(enrollment),
            now, who);
        try {
          writer.writeEnrollment(enrollment, b -> b.putChange(change).renewalAt(null).renewalCheckAt(null),
              List.of(new ProvisioningEvent.Transitioned(id, change.id(), "", change.state().name(), who, now)));
          return change;
        } catch (VersionConflictException raced) {
          if (race >= MAX_RACES) {
            throw raced;
          }
        }
      }
    });
  }

  Change cancel(ChangeRef ref, String who) {
    return answer(ref, who, "cancel", state -> !state.terminal(),
        (enrollment, change) -> new Answer(
            change.toBuilder().state(new ChangeState.Cancelled("cancelled by " + who)).nextActionAt(null),
            "cancelled", b -> engine.reopenRenewal(b, enrollment, settings.clock().instant())));
  }

  Change acceptWarnings(ChangeRef ref, String who) {
    return answer(ref, who, "accept warnings", state -> state instanceof ChangeState.AwaitingWarningAcceptance,
        (enrollment, change) -> new Answer(
            change.toBuilder().state(new ChangeState.ReadyForStaging()).nextActionAt(settings.clock().instant()),
            "warnings accepted: " + codes(change), b -> b));
  }

  Change denyWarnings(ChangeRef ref, String who) {
    return answer(ref, who, "deny warnings", state -> state instanceof ChangeState.AwaitingWarningAcceptance,
        (enrollment, change) -> new Answer(
            change.toBuilder().state(new ChangeState.Cancelled("warnings denied by " + who)).nextActionAt(null),
            "warnings denied: " + codes(change), b -> engine.reopenRenewal(b, enrollment, settings.clock().instant())));
  }

  Change acknowledgeStagingTest(ChangeRef ref, String who) {
    return answer(ref, who, "acknowledge the staging test", state -> state instanceof ChangeState.AwaitingStagingTest,
        (enrollment, change) -> {
          Instant now = settings.clock().instant();
          Change acknowledged = change.toBuilder()
              .stagingAcknowledgement(new TimelineEntry(now, "staging test acknowledged", who)).build();
          return regate(enrollment, acknowledged, "staging test acknowledged", now);
        });
  }

  Change challengesInPlace(ChangeRef ref, String who) {
    return answer(ref, who, "challenges in place", state -> state instanceof ChangeState.AwaitingChallenges,
        (enrollment, change) -> new Answer(
            change.toBuilder()
                .state(new ChangeState.ChallengesInPlace(((ChangeState.AwaitingChallenges) change.state()).challenges()))
                .nextActionAt(settings.clock().instant()),
            "challenges placed", b -> b));
  }

  Change setDeploymentDate(ChangeRef ref, @Nullable Instant notBefore, String who) {
    return answer(ref, who, "set the deployment date", state -> !state.terminal(),
        (enrollment, change) -> {
          Instant now = settings.clock().instant();
          // A date already reached holds nothing back, as when a change opens with one: it is
          // cleared, rather than kept as a date that turns the seven-day rule off.
          boolean ahead = notBefore != null && notBefore.isAfter(now);
          Change dated = change.toBuilder().deploymentNotBefore(ahead ? notBefore : null).build();
          String why = ahead ? "deployment date set to " + notBefore
              : notBefore == null ? "deployment date cleared"
              : "deployment date " + notBefore + " has passed: cleared";
          if (onStaging(change.state())) {
            return regate(enrollment, dated, why, now);
          }
          return new Answer(dated.toBuilder(), why, b -> b);
        });
  }

  /** Whether the change is on staging, before production: where the production gate decides. */
  private static boolean onStaging(ChangeState state) {
    return state instanceof ChangeState.AwaitingStagingTest || state instanceof ChangeState.AwaitingDeploymentDate
        || state instanceof ChangeState.ReadyForProduction;
  }

  /** A change already on staging: the production gate decides again, at once. */
  private static Answer regate(Enrollment enrollment, Change change, String why, Instant now) {
    ProductionGate.Decision decision = ProductionGate.decide(enrollment, change, now);
    return new Answer(change.toBuilder().state(decision.state()).nextActionAt(decision.nextActionAt()),
        why + "; " + decision.why(), b -> b);
  }

  /** The change as a person answers it: a new builder, the timeline note, and any enrollment edit. */
  private record Answer(Change.Builder change, String why, UnaryOperator<Enrollment.Builder> edit) {}

  private interface Answering {
    Answer apply(Enrollment enrollment, Change change);
  }

  private Change answer(ChangeRef ref, String who, String input, Function<ChangeState, Boolean> accepts,
      Answering answering) {
    requireWho(who);
    Objects.requireNonNull(ref, "change");
    return withInput(ref.enrollment(), () -> {
      for (int race = 0; ; race++) {
        Enrollment enrollment = load(ref.enrollment());
        Change change = enrollment.change(ref.change())
            .orElseThrow(() -> new NoSuchEnrollmentException("change in enrollment " + ref.enrollment(),
                ref.change().value()));
        if (change.version() != ref.version()) {
          throw new StaleChangeException(change.id(), ref.version(), change.version(), change.state().name());
        }
        if (!accepts.apply(change.state())) {
          throw new InputNotExpectedException(change.id(), input, change.state().name());
        }
        Answer answer = answering.apply(enrollment, change);
        try {
          Enrollment written = writer.write(enrollment, change, answer.change(), answer.why(), who, answer.edit(),
              List.of());
          Change answered = written.change(change.id()).orElseThrow();
          if (answered.state() instanceof ChangeState.Cancelled) {
            withdraw(written, answered);
          }
          return answered;
        } catch (VersionConflictException raced) {
          // Another engine on the same store wrote meanwhile; the version check refuses a moved change.
          if (race >= MAX_RACES) {
            throw raced;
          }
        }
      }
    });
  }

  /**
   * Withdraws the CA order of a change that will not go on, cleans up its challenges and deletes
   * its unserved key. Best effort: the change is already stored as closed.
   */
  private void withdraw(Enrollment enrollment, Change closed) {
    engine.closed(enrollment, closed);
    if (closed.order() == null || closed.certificate() != null) {
      return;
    }
    try {
      engine.authority(closed).cancel(closed.order());
    } catch (RuntimeException e) {
      log.info("Withdrawing order {} of cancelled change {} failed: {}", closed.order().value(), closed.id(),
          e.toString());
    }
  }

  /**
   * Runs a person's input holding the enrollment's lock and, in a store that several provisioners
   * share, its lease: another provisioner's step would otherwise lose its write to the input's
   * after its side effect (an order placed and not recorded, a deployment the change does not
   * show). A lease another provisioner holds refuses the input before anything happens ({@link
   * EnrollmentLeasedException}); see {@link Scheduler#forInput}.
   */
  private <T> T withInput(EnrollmentId id, Supplier<T> input) {
    return locks.with(id, () -> scheduler.forInput(id, input));
  }

  private Enrollment load(EnrollmentId id) {
    return settings.store().find(id).orElseThrow(() -> new NoSuchEnrollmentException("enrollment", id.value()));
  }

  /** The request names a configured CA (or none, for the default), which would accept it. */
  private void requireKnownAuthority(EnrollmentRequest request) {
    String named = request.certificateAuthority();
    if (named != null && !settings.authorities().containsKey(named)) {
      throw new InvalidRequestException(new Violation("certificateAuthority", named,
          "is not a configured certificate authority; configured: " + settings.authorities().keySet()));
    }
    List<Violation> refused = settings.authorities().get(engine.authorityIdFor(request)).check(request);
    if (!refused.isEmpty()) {
      throw new InvalidRequestException(refused);
    }
  }

  /** The longest name of who gives an input: it goes into timelines, reasons and log lines. */
  private static final int LONGEST_WHO = 200;

  private static void requireWho(String who) {
    if (who == null || who.isBlank()) {
      throw new InvalidRequestException(new Violation("who", who, "must name who gives the input"));
    }
    if (who.length() > LONGEST_WHO) {
      throw new InvalidRequestException(new Violation("who", who.substring(0, 40) + "...",
          "is longer than " + LONGEST_WHO + " characters (" + who.length() + ")"));
    }
    if (who.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidRequestException(new Violation("who", who.replaceAll("\\p{Cntrl}", "?"),
          "has control characters, which would forge lines in a timeline or a log"));
    }
    if (who.strip().equalsIgnoreCase(TimelineEntry.ENGINE) || who.strip().equalsIgnoreCase(Engine.PROBE)) {
      throw new InvalidRequestException(new Violation("who", who,
          "is the name the library records its own steps under; name the person or system"));
    }
  }

  private static String codes(Change change) {
    return change.warnings().stream().map(w -> w.code().name()).distinct().toList().toString();
  }
}
