package dev.cps;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.RenewalWindow;
import dev.cps.spi.ValidationType;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Lead time per validation type, capped at a fraction of the lifetime: certificates of 200, 100,
 * 47 and 6 days all renew with time to spare but not absurdly early.
 */
record StandardRenewalPolicy(Map<ValidationType, Duration> leads, double maxFractionOfLifetime)
    implements RenewalPolicy {

  StandardRenewalPolicy {
    leads = Map.copyOf(new EnumMap<>(leads));
    for (ValidationType type : ValidationType.values()) {
      Duration lead = leads.get(type);
      if (lead == null || lead.isNegative() || lead.isZero()) {
        throw new IllegalArgumentException("renewal lead for " + type + " must be positive, was " + lead);
      }
    }
    if (!(maxFractionOfLifetime > 0 && maxFractionOfLifetime < 1)) {
      throw new IllegalArgumentException("maxFractionOfLifetime must be in (0, 1), was " + maxFractionOfLifetime);
    }
  }

  @Override
  public Instant renewalAt(CertificateChain certificate, ValidationType type, Optional<RenewalWindow> suggested) {
    if (suggested.isPresent()) {
      return pointInside(suggested.get(), certificate);
    }
    Duration lead = leads.get(type);
    Duration cap = Duration.ofMillis((long) (certificate.lifetime().toMillis() * maxFractionOfLifetime));
    if (lead.compareTo(cap) > 0) {
      lead = cap;
    }
    return certificate.notAfter().minus(lead);
  }

  /**
   * A random point inside the CA's window (RFC 9773 asks clients to spread renewals), seeded by
   * the serial number so that the same certificate always renews at the same instant, across
   * restarts too.
   */
  private static Instant pointInside(RenewalWindow window, CertificateChain certificate) {
    long span = Duration.between(window.start(), window.end()).toMillis();
    if (span <= 0) {
      return window.start();
    }
    long offset = new SplittableRandom(certificate.leaf().getSerialNumber().longValue()).nextLong(span + 1);
    return window.start().plusMillis(offset);
  }
}
