package dev.cps.testkit;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.Challenge;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.OrderRef;
import dev.cps.spi.ValidationType;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the {@link FakeCertificateAuthority} was asked for and what it did, as of the moment the
 * snapshot was taken. Tests assert on it the way they would on {@code MockWebServer.takeRequest()}.
 *
 * @param names the DNS names the CSR asked for, in the CSR's order
 * @param state where the order stood when last polled: the fake CA signs when a poll finds the
 *     validation time over, so an order shows {@link State#ISSUED} only after that poll
 * @param challenges the DV challenges the order was given, empty when none were required
 * @param issued the chain the CA signed, or {@code null} before issuance
 * @param replaces the certificate the order renews, as the engine said in the order request
 */
public record FakeOrder(
    OrderRef ref,
    String requestId,
    List<String> names,
    ValidationType validationType,
    EnrollmentRequest enrollment,
    CertificateSigningRequest csr,
    Instant submittedAt,
    State state,
    List<Challenge> challenges,
    @Nullable CertificateChain issued,
    @Nullable CertificateChain replaces) {

  /** Where a fake order stands. */
  public enum State {
    /** DV challenges were handed out and not all of them were reported ready. */
    AWAITING_CHALLENGES,
    /** The validation time runs. */
    VALIDATING,
    ISSUED,
    /** The CA refused the order ({@link FakeCertificateAuthority#invalidateNext}). */
    INVALID,
    CANCELLED
  }

  public FakeOrder {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(requestId, "requestId");
    names = List.copyOf(names);
    Objects.requireNonNull(validationType, "validationType");
    Objects.requireNonNull(enrollment, "enrollment");
    Objects.requireNonNull(csr, "csr");
    Objects.requireNonNull(submittedAt, "submittedAt");
    Objects.requireNonNull(state, "state");
    challenges = List.copyOf(challenges);
  }

  /** Whether the order was cancelled, before or after issuance. */
  public boolean cancelled() {
    return state == State.CANCELLED;
  }
}
