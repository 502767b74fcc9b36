package dev.cps.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Something a host may want to act on: mail someone, page someone, update a dashboard. Events
 * never carry private keys.
 */
public sealed interface ProvisioningEvent {

  EnrollmentId enrollment();

  Instant at();

  /** A change moved from one state to another. */
  record Transitioned(EnrollmentId enrollment, ChangeId change, String from, String to, String who, Instant at)
      implements ProvisioningEvent {}

  /**
   * A change waits for a person. Answer through the provisioner, naming {@code changeVersion}.
   */
  record InputNeeded(EnrollmentId enrollment, ChangeId change, long changeVersion, InputKind kind, Instant at)
      implements ProvisioningEvent {}

  /** A certificate went live on a network. */
  record Deployed(EnrollmentId enrollment, ChangeId change, NetworkRole network, CertificateChain certificate,
      Instant at) implements ProvisioningEvent {}

  /** A transient failure; the step is tried again at {@code retryAt}. */
  record RetryScheduled(EnrollmentId enrollment, ChangeId change, int attempt, String error, Instant retryAt,
      Instant at) implements ProvisioningEvent {}

  /**
   * A person had the CA revoke a certificate, for the reason given; it stays deployed until a
   * replacement is. {@code change} is the change that brought the certificate.
   */
  record Revoked(EnrollmentId enrollment, ChangeId change, CertificateChain certificate, RevocationReason reason,
      String who, Instant at) implements ProvisioningEvent {}

  /** The live production certificate expires soon and no replacement is live yet. */
  record ExpiringSoon(EnrollmentId enrollment, Instant notAfter, Instant at) implements ProvisioningEvent {}

  /** A change failed for good. */
  record Failed(EnrollmentId enrollment, ChangeId change, String reason, Instant at) implements ProvisioningEvent {
    public Failed {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
