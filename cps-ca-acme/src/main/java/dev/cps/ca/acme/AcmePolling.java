package dev.cps.ca.acme;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how often the ACME CA polls inside one call, for waits that are usually short: the
 * server validating challenges that were just answered, or signing a certificate after the order
 * was finalized. Waits of {@code first}, then twice as long each time up to {@code longest}, never
 * sooner than the server's Retry-After, and gives up after {@code inCall}: the order is then
 * reported pending and the engine polls again on its own schedule.
 *
 * @param first the first wait
 * @param longest the longest single wait
 * @param inCall the most time one call spends waiting; zero for none
 */
public record AcmePolling(Duration first, Duration longest, Duration inCall) {
  /** 50 ms, doubling up to 1 s, at most 3 s in a call. */
  public static final AcmePolling DEFAULT =
      new AcmePolling(Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(3));

  public AcmePolling {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(longest, "longest");
    Objects.requireNonNull(inCall, "inCall");
    if (first.isNegative() || first.isZero()) {
      throw new IllegalArgumentException("polling first must be positive, was " + first);
    }
    if (longest.compareTo(first) < 0) {
      throw new IllegalArgumentException("polling longest (" + longest + ") must not be shorter than first (" + first
          + ")");
    }
    if (inCall.isNegative()) {
      throw new IllegalArgumentException("polling inCall must not be negative, was " + inCall);
    }
  }

  /** The wait before poll number {@code attempt} (0 for the first). */
  public Duration delay(int attempt) {
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must not be negative, was " + attempt);
    }
    Duration delay = first.multipliedBy(1L << Math.min(attempt, 20));
    return delay.compareTo(longest) > 0 ? longest : delay;
  }
}
