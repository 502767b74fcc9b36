package dev.cps.spi;

import java.util.Objects;
import java.time.Instant;

/** A CA's suggestion of when to renew a certificate (ACME Renewal Information, RFC 9773). */
public record RenewalWindow(Instant start, Instant end) {
  public RenewalWindow {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("renewal window ends (" + end + ") before it starts (" + start + ")");
    }
  }
}
