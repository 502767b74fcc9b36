package dev.cps;

import java.time.Duration;
import java.util.Objects;

/**
 * How transient failures (CA down, network refusing) are retried: exponential backoff with
 * jitter, bounded, then the change fails so that nothing stays stuck.
 *
 * @param first the delay before the first retry, before jitter (which adds up to half again)
 * @param cap the longest delay between two tries
 * @param maxAttempts consecutive failures of one step after which the change fails
 */
public record RetryPolicy(Duration first, Duration cap, int maxAttempts) {
  /** First retry after 2 to 3 minutes, doubling up to 6 hours, failing after 30 tries (about a week). */
  public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofMinutes(2), Duration.ofHours(6), 30);

  public RetryPolicy {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(cap, "cap");
    if (first.compareTo(Duration.ofMillis(1)) < 0) {
      // Delays are counted in whole milliseconds: a shorter one would retry at once, every time.
      throw new IllegalArgumentException("first retry delay must be at least 1 ms, was " + first);
    }
    if (cap.compareTo(first) < 0) {
      throw new IllegalArgumentException("retry cap " + cap + " is shorter than the first delay " + first);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
  }

  /**
   * The delay before retry number {@code attempt} (1 for the first), given a jitter draw in [0, 1).
   */
  public Duration delay(int attempt, double jitter) {
    long base = first.toMillis();
    for (int i = 1; i < attempt && base < cap.toMillis(); i++) {
      base *= 2;
    }
    base = Math.min(base, cap.toMillis());
    return Duration.ofMillis(base + (long) (base * 0.5 * jitter));
  }
}
