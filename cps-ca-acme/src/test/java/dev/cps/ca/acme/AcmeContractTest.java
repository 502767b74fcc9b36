package dev.cps.ca.acme;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.OrderRef;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.contract.CertificateAuthorityContract;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's CA contract, against a real Pebble, answering HTTP-01 with the embedded server. */
class AcmeContractTest extends CertificateAuthorityContract {
  @TempDir static Path directory;
  private static AcmeFixture acme;
  private static final InMemoryPrivateKeyStore KEYS = new InMemoryPrivateKeyStore();

  @BeforeAll
  static void startPebble() {
    acme = AcmeFixture.start(directory);
  }

  @AfterAll
  static void stopPebble() {
    if (acme != null) {
      acme.close();
    }
  }

  private List<String> names = List.of();

  /** A CA per test, on one account; names of their own, so Pebble has no authorization to reuse. */
  @Override
  protected CertificateAuthority newAuthority() {
    names = List.of(AcmeFixture.name("a"), AcmeFixture.name("b"));
    return acme.ca(KEYS, Clock.systemUTC()).build();
  }

  @Override
  protected List<String> names() {
    return names;
  }

  @Override
  protected void awaitIssuance(CertificateAuthority ca, OrderRef order) {
    acme.awaitIssued(ca, order, () -> ca.status(order));
  }
}
