package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderStatus;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.contract.CertificateAuthorityContract;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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
    Http01Solver solver = acme.httpSolver();
    await("order " + order.value() + " issued").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          OrderStatus status = ca.status(order);
          if (status instanceof OrderStatus.Pending pending && !pending.challenges().isEmpty()) {
            Map<String, Challenge> http = pending.challenges().stream()
                .filter(c -> c.type() == ChallengeType.HTTP_01)
                .collect(Collectors.toMap(Challenge::authorization, c -> c, (a, b) -> a));
            http.values().forEach(solver::present);
            ca.challengesReady(order, List.copyOf(http.values()));
          }
          assertThat(status).isNotInstanceOf(OrderStatus.Invalid.class);
          return status instanceof OrderStatus.Issued;
        });
  }
}
