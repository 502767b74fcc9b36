package dev.cps;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.RenewalWindow;
import dev.cps.spi.ValidationType;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** Decides when a live certificate's renewal starts. */
@FunctionalInterface
public interface RenewalPolicy {

  /**
   * @param certificate the certificate now live on production
   * @param suggested the CA's renewal window (ACME ARI), if it offered one
   */
  Instant renewalAt(CertificateChain certificate, ValidationType validationType, Optional<RenewalWindow> suggested);

  /**
   * Renew 60 days before expiry (20 for DV), but never earlier than a third of the certificate's
   * lifetime before expiry, and inside the CA's window when it suggests one.
   */
  static RenewalPolicy standard() {
    Map<ValidationType, Duration> leads = new EnumMap<>(ValidationType.class);
    leads.put(ValidationType.DV, Duration.ofDays(20));
    leads.put(ValidationType.OV, Duration.ofDays(60));
    leads.put(ValidationType.EV, Duration.ofDays(60));
    leads.put(ValidationType.THIRD_PARTY, Duration.ofDays(60));
    return new StandardRenewalPolicy(leads, 1.0 / 3);
  }

  /**
   * Renew {@code leads.get(type)} before expiry, capped at {@code maxFractionOfLifetime} of the
   * certificate's lifetime, inside the CA's window when it suggests one.
   */
  static RenewalPolicy of(Map<ValidationType, Duration> leads, double maxFractionOfLifetime) {
    return new StandardRenewalPolicy(leads, maxFractionOfLifetime);
  }
}
