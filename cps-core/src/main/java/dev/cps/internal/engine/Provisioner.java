package dev.cps.internal.engine;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.NoSuchEnrollmentException;
import dev.cps.UpdateMode;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.RevocationReason;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** The {@link CertificateProvisioner} the builder returns: wires the engine, inputs and scheduler. */
public final class Provisioner implements CertificateProvisioner {
  private final EngineSettings settings;
  private final Events events;
  private final Inputs inputs;
  private final Scheduler scheduler;

  public Provisioner(EngineSettings settings) {
    this.settings = settings;
    EnrollmentLocks locks = new EnrollmentLocks();
    this.events = new Events(settings.listeners(), locks);
    ChangeWriter writer = new ChangeWriter(settings.store(), settings.clock(), events);
    Engine engine = new Engine(settings, writer, locks);
    this.scheduler = new Scheduler(settings, engine, locks);
    this.inputs = new Inputs(settings, writer, engine, events, locks, scheduler);
  }

  @Override
  public Enrollment enroll(EnrollmentRequest request, String who) {
    return woken(inputs.enroll(request, who));
  }

  @Override
  public Optional<Enrollment> enrollment(EnrollmentId id) {
    return settings.store().find(id);
  }

  @Override
  public List<Enrollment> enrollments() {
    return settings.store().list();
  }

  @Override
  public Enrollment update(EnrollmentId id, EnrollmentRequest request, UpdateMode mode, String who) {
    return woken(inputs.update(id, request, mode, who));
  }

  @Override
  public Change cancel(ChangeRef change, String who) {
    return woken(inputs.cancel(change, who));
  }

  @Override
  public Change acceptWarnings(ChangeRef change, String who) {
    return woken(inputs.acceptWarnings(change, who));
  }

  @Override
  public Change denyWarnings(ChangeRef change, String who) {
    return woken(inputs.denyWarnings(change, who));
  }

  @Override
  public Change acknowledgeStagingTest(ChangeRef change, String who) {
    return woken(inputs.acknowledgeStagingTest(change, who));
  }

  @Override
  public Change challengesInPlace(ChangeRef change, String who) {
    return woken(inputs.challengesInPlace(change, who));
  }

  @Override
  public Change setDeploymentDate(ChangeRef change, @Nullable Instant notBefore, String who) {
    return woken(inputs.setDeploymentDate(change, notBefore, who));
  }

  @Override
  public Change renewNow(EnrollmentId id, String who) {
    return woken(inputs.renewNow(id, who));
  }

  @Override
  public DeployedCertificate revoke(EnrollmentId id, RevocationReason reason, String who) {
    return inputs.revoke(id, reason, who);
  }

  @Override
  public CompletableFuture<DeployedCertificate> awaitProduction(EnrollmentId enrollment, ChangeId change) {
    withChange(enrollment, change); // an unknown change is refused before anything waits for it
    CompletableFuture<DeployedCertificate> future = events.await(change);
    // Read again after registering: a change that closed meanwhile is settled here, not lost.
    Enrollment current;
    try {
      current = withChange(enrollment, change);
    } catch (RuntimeException gone) {
      events.forget(change, gone); // gone since the first read (trimmed from the enrollment's changes)
      throw gone;
    }
    events.settle(current, current.change(change).orElseThrow());
    return future;
  }

  /** The enrollment, which holds the change. */
  private Enrollment withChange(EnrollmentId enrollment, ChangeId change) {
    Enrollment current = settings.store().find(enrollment)
        .orElseThrow(() -> new NoSuchEnrollmentException("enrollment", enrollment.value()));
    if (current.change(change).isEmpty()) {
      throw new NoSuchEnrollmentException("change in enrollment " + enrollment, change.value());
    }
    return current;
  }

  /** For tests in this package: the futures of awaitProduction callers still waiting. */
  int waitingForProduction() {
    return events.waiting();
  }

  /** For tests in this package: the scheduler's own decisions, such as how long its loop sleeps. */
  Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public int runDue() {
    return scheduler.runDue();
  }

  @Override
  public void start() {
    scheduler.start();
  }

  @Override
  public void close() {
    scheduler.close();
  }

  private <T> T woken(T result) {
    scheduler.wake();
    return result;
  }

  @Override
  public String toString() {
    return "CertificateProvisioner[authorities=" + settings.authorities().keySet() + ", workers=" + settings.workers()
        + "]";
  }
}
