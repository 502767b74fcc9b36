package dev.cps;

import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.InvalidRequestException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Takes certificates through their whole life: key, CSR, order, validation, verification,
 * staging, production and renewal. Build one with {@link #builder()}.
 *
 * <p>Every method that takes a person's input names who gave it ({@code who}) for the change's
 * timeline, and those that answer a change name the version the person saw ({@link ChangeRef}).
 * All methods are thread-safe.
 *
 * <p>Provisioners that share a store take turns on an enrollment by its lease: an input to an
 * enrollment that another provisioner is working on (it holds the lease) is refused with {@link
 * dev.cps.spi.EnrollmentLeasedException} before anything happens. Nothing is stored; try again
 * once that provisioner is done with the batch it claimed, at the exception's {@code until()} at
 * the latest unless it renews the lease for a step that hangs. A revocation is made at the CA all
 * the same; only its note in the timeline is then left out.
 */
public interface CertificateProvisioner extends AutoCloseable {

  static ProvisionerBuilder builder() {
    return new ProvisionerBuilder();
  }

  /**
   * Stores a new enrollment and opens its first change.
   *
   * @throws InvalidRequestException if the request names a CA that is not configured; nothing is stored
   */
  Enrollment enroll(EnrollmentRequest request, String who);

  Optional<Enrollment> enrollment(EnrollmentId id);

  List<Enrollment> enrollments();

  /**
   * Replaces the enrollment's request. A change that alters the certificate (names, key, validation,
   * organization, CA) opens a new change; a pending change refuses it unless {@code mode} is
   * {@link UpdateMode#CANCEL_PENDING}. Other updates (contacts, staging, network settings) are
   * stored without a new change; a new deployment date becomes the open change's, and a change
   * already on staging goes through the production gate again with the new date and Always Test
   * on Staging.
   *
   * @throws ChangePendingException if a change is pending and {@code mode} refuses; nothing is stored
   */
  Enrollment update(EnrollmentId id, EnrollmentRequest request, UpdateMode mode, String who);

  /** Cancels an open change; the CA's order is withdrawn. */
  Change cancel(ChangeRef change, String who);

  /** Accepts every post-verification warning: the change goes on to staging. */
  Change acceptWarnings(ChangeRef change, String who);

  /** Denies the post-verification warnings: the change is cancelled. */
  Change denyWarnings(ChangeRef change, String who);

  /** Acknowledges the test on staging (Always Test on Staging). */
  Change acknowledgeStagingTest(ChangeRef change, String who);

  /** Says the DV challenges shown by the change are in place: the CA validates them next. */
  Change challengesInPlace(ChangeRef change, String who);

  /**
   * Sets, moves or (with {@code null}) clears the instant before which the change never goes to
   * production.
   */
  Change setDeploymentDate(ChangeRef change, @Nullable Instant notBefore, String who);

  /**
   * Opens a renewal now instead of at the policy's instant.
   *
   * @throws ChangePendingException if a change is under way
   */
  Change renewNow(EnrollmentId id, String who);

  /**
   * Revokes the certificate live in production at the CA that issued it, for instance after its key
   * was compromised. It stays deployed until a replacement is: follow with {@link #renewNow}. The
   * revocation is noted in the timeline of the change that brought the certificate, and emitted as
   * {@link dev.cps.spi.ProvisioningEvent.Revoked}.
   *
   * @throws IllegalStateException if the enrollment has no certificate in production
   * @throws UnsupportedOperationException if its CA cannot revoke
   * @throws dev.cps.spi.CaRejectedException if the CA refuses, for instance because it is revoked already
   */
  DeployedCertificate revoke(EnrollmentId id, RevocationReason reason, String who);

  /**
   * Completes with the deployed certificate when the change reaches production, or exceptionally
   * with {@link ChangeClosedException} if it is cancelled or fails.
   */
  CompletableFuture<DeployedCertificate> awaitProduction(EnrollmentId enrollment, ChangeId change);

  /**
   * Runs, on the calling thread and the worker pool, every step that is due now, and returns how
   * many enrollments it worked on. Tests move a clock and call this.
   */
  int runDue();

  /** Starts the background scheduler: due work runs by itself until {@link #close()}. */
  void start();

  /**
   * Stops the background scheduler and the worker pool. Steps under way finish first, their leases
   * renewed meanwhile, for up to 30 seconds; no step starts after them, and a {@link #runDue()}
   * under way returns once they are done. The stores stay as they are. A closed provisioner
   * renews no lease, so it takes no more inputs to enrollments (they throw {@link
   * IllegalStateException}); it still reads enrollments and stores new ones for another to run.
   */
  @Override
  void close();
}
