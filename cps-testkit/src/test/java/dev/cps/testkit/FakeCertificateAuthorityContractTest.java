package dev.cps.testkit;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.OrderRef;
import dev.cps.testkit.contract.CertificateAuthorityContract;
import java.time.Duration;
import java.time.Instant;

class FakeCertificateAuthorityContractTest extends CertificateAuthorityContract {
  private final MutableClock clock = MutableClock.at(Instant.parse("2026-02-01T00:00:00Z"));

  @Override
  protected CertificateAuthority newAuthority() {
    return FakeCertificateAuthority.builder().id("contract").clock(clock).build();
  }

  @Override
  protected void awaitIssuance(CertificateAuthority ca, OrderRef order) {
    clock.advance(Duration.ofMinutes(2));
  }
}
