package dev.cps.spi;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A transient CA failure (down, timed out, rate limited): the engine retries with backoff, no
 * earlier than {@link #retryAfter()} when the CA named one.
 */
public class CaUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final @Nullable Instant retryAfter;

  public CaUnavailableException(String message, @Nullable Instant retryAfter, @Nullable Throwable cause) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  public CaUnavailableException(String message) {
    this(message, null, null);
  }

  public @Nullable Instant retryAfter() {
    return retryAfter;
  }
}
