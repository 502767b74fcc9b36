package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cps.spi.Enrollment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Pebble rejects a share of good nonces as {@code badNonce}, which RFC 8555 says to retry: acme4j
 * retries each such request with a fresh nonce (up to ten times), so issuance goes through. Here
 * nearly a third are rejected; the other tests keep Pebble's default of 5%.
 */
class BadNonceTest {
  @TempDir static Path directory;
  private static AcmeFixture acme;

  @BeforeAll
  static void startPebble() {
    acme = AcmeFixture.start(directory, options -> options.environment("PEBBLE_WFE_NONCEREJECT", "30"));
  }

  @AfterAll
  static void stopPebble() {
    if (acme != null) {
      acme.close();
    }
  }

  @Test
  void rejectedNoncesAreRetriedAndTheCertificateIsIssued() throws Exception {
    Logger connection = (Logger) LoggerFactory.getLogger("org.shredzone.acme4j.connector.DefaultConnection");
    ListAppender<ILoggingEvent> retries = new ListAppender<>();
    retries.start();
    connection.addAppender(retries);
    connection.setLevel(Level.INFO);
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.httpSolver()))) {
      Enrollment first = flow.enroll(AcmeFixture.name("nonce-a"), AcmeFixture.name("nonce-b"));
      Enrollment second = flow.enroll(AcmeFixture.name("nonce-c"));

      flow.untilProduction(first.id());
      flow.untilProduction(second.id());

      assertThat(flow.production.deployments()).hasSize(2);
      assertThat(flow.latest(first.id()).attempts()).isZero();
      assertThat(Files.readString(directory.resolve("pebble.log"))).contains("reject 30% of good nonces");
      assertThat(retries.list).as("acme4j retried requests whose nonce Pebble rejected")
          .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("Bad Replay Nonce"));
    } finally {
      connection.detachAppender(retries);
      connection.setLevel(null);
    }
  }
}
