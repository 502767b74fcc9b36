package dev.cps.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A CA's answer to "how is my order?". */
public sealed interface OrderStatus {

  /**
   * Validation is under way.
   *
   * @param challenges DV challenges the CA still waits for, for each name (authorization) no
   *     challenge of which was answered yet: one challenge per authorization is to be presented,
   *     then {@link CertificateAuthority#challengesReady}; empty while the CA works on its own
   * @param retryAfter when the CA suggests asking again, or {@code null}
   */
  record Pending(List<Challenge> challenges, @Nullable Instant retryAfter) implements OrderStatus {
    public Pending {
      challenges = List.copyOf(challenges);
    }
  }

  /** Signed: {@link CertificateAuthority#retrieve} hands out the chain. */
  record Issued() implements OrderStatus {}

  /** The CA refused the order for good. */
  record Invalid(String reason) implements OrderStatus {
    public Invalid {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
