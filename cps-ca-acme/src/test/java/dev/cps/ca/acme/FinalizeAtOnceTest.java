package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Enrollment;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.TestCsr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a CA that validates while it answers the challenge (Pebble with {@code
 * PEBBLE_VA_ALWAYS_VALID}), orders are finalized straight after their challenges were answered: no
 * read of the order comes between. Pebble validates on a goroutine of its own, so now and then it
 * is not done and answers {@code orderNotReady}; the order is then read as usual (as in the other
 * tests, whose Pebble fetches the token first).
 */
class FinalizeAtOnceTest {
  private static final int CERTIFICATES = 8;
  /** Allows for the orders Pebble had not validated yet. */
  private static final int AT_ONCE_AT_LEAST = 6;

  private static final InMemoryPrivateKeyStore KEYS = new InMemoryPrivateKeyStore();

  @TempDir static Path directory;
  private static AcmeFixture acme;

  @BeforeAll
  static void startPebble() {
    acme = AcmeFixture.start(directory, options -> options.environment("PEBBLE_VA_ALWAYS_VALID", "1")
        .environment("PEBBLE_WFE_NONCEREJECT", "0"));
  }

  @AfterAll
  static void stopPebble() {
    if (acme != null) {
      acme.close();
    }
  }

  @Test
  void eachOrderIsFinalizedOnceWithoutReadingItFirst() throws IOException {
    int earlier = requests().size();
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.httpSolver()))) {
      // One at a time, so that what follows each answered challenge is about its own order.
      for (int i = 0; i < CERTIFICATES; i++) {
        Enrollment enrollment = flow.enroll(AcmeFixture.name("at-once-" + i));
        flow.untilProduction(enrollment.id());
      }

      List<String> all = requests();
      List<String> requests = all.subList(earlier, all.size());
      List<String> afterAnswering = new ArrayList<>();
      for (int i = 0; i < requests.size(); i++) {
        if (requests.get(i).startsWith("POST /chalZ/")) {
          requests.subList(i + 1, requests.size()).stream()
              .filter(r -> r.startsWith("POST /my-order/") || r.startsWith("POST /finalize-order/"))
              .findFirst().ifPresent(afterAnswering::add);
        }
      }
      assertThat(afterAnswering).as("the request about the order after each answered challenge")
          .hasSize(CERTIFICATES)
          .filteredOn(r -> r.startsWith("POST /finalize-order/")).hasSizeGreaterThanOrEqualTo(AT_ONCE_AT_LEAST);
      assertThat(requests.stream().filter(r -> r.startsWith("POST /finalize-order/")))
          .as("finalizations, refused ones included").hasSizeLessThanOrEqualTo(CERTIFICATES * 2);
    }
  }

  @Test
  void theFirstLookAfterAnsweringWaitsForTheHeadStartWithoutAskingTheCa() throws IOException {
    CertificateAuthority ca = acme.ca(KEYS, Clock.systemUTC()).build();
    TestCsr csr = TestCsr.forNames(AcmeFixture.name("head-start"));
    OrderRequest request = csr.orderRequest(UUID.randomUUID().toString());
    OrderRef order = ca.submit(request);
    OrderStatus.Pending offered = (OrderStatus.Pending) ca.status(order, request);
    Challenge http = offered.challenges().stream().filter(c -> c.type() == ChallengeType.HTTP_01).findFirst()
        .orElseThrow();
    acme.httpSolver().present(http);
    ca.challengesReady(order, List.of(http));
    int before = requests().size();
    Instant answered = Instant.now();

    OrderStatus early = ca.status(order, request);

    assertThat(requests()).as("requests to Pebble").hasSize(before);
    assertThat(early).isInstanceOfSatisfying(OrderStatus.Pending.class, pending -> {
      assertThat(pending.challenges()).isEmpty();
      assertThat(pending.retryAfter()).isBetween(answered,
          Instant.now().plus(AcmeAuthority.VALIDATION_HEAD_START));
    });
    acme.awaitIssued(ca, order, () -> ca.status(order, request));
    assertThat(ca.retrieve(order).leaf().getPublicKey()).isEqualTo(csr.publicKey());
  }

  /** Method and path of each request Pebble handled, in order. */
  private static List<String> requests() throws IOException {
    try (Stream<String> lines = Files.lines(directory.resolve("pebble.log"))) {
      return lines.filter(line -> line.endsWith(" -> calling handler()"))
          .map(line -> line.replaceFirst("^.*? (GET|HEAD|POST) ", "$1 ").replace(" -> calling handler()", ""))
          .toList();
    }
  }
}
