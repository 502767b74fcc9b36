package dev.cps.spi;

import java.util.Objects;

/**
 * A certificate authority's reference to an order, persisted before the engine acts on the
 * answer so that a restarted engine polls the same order instead of placing a new one.
 *
 * @param authority the {@link CertificateAuthority#id()} that took the order
 * @param value the authority's own reference (an ACME order URL, a ticket number, ...)
 */
public record OrderRef(String authority, String value) {
  public OrderRef {
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(value, "value");
  }
}
