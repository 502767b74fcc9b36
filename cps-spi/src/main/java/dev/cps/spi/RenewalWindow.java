package dev.cps.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A CA's suggestion of when to renew a certificate (ACME Renewal Information, RFC 9773).
 *
 * @param checkAgainAt when to ask the CA again (its Retry-After), in case the window moves; {@code
 *     null} if the CA did not say
 */
public record RenewalWindow(Instant start, Instant end, @Nullable Instant checkAgainAt) {
  public RenewalWindow(Instant start, Instant end) {
    this(start, end, null);
  }

  public RenewalWindow {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("renewal window ends (" + end + ") before it starts (" + start + ")");
    }
  }
}
