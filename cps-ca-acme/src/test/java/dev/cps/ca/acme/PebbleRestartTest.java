package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Change;
import dev.cps.spi.Enrollment;
import dev.cps.spi.OrderRef;
import dev.cps.spi.TimelineEntry;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pebble keeps nothing across a restart: neither the account nor the order. A change whose Pebble
 * went down mid-order waits while it is down, then orders again with a new account and reaches
 * production.
 */
class PebbleRestartTest {
  @TempDir static Path directory;
  private static AcmeFixture acme;

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

  /** Publishes like the HTTP-01 solver, but Pebble dies the first time, right after the order was placed. */
  private static final class CrashingSolver implements ChallengeSolver {
    final AtomicBoolean crashed = new AtomicBoolean();
    final Http01Solver http = acme.httpSolver();

    @Override
    public Set<ChallengeType> types() {
      return http.types();
    }

    @Override
    public void present(Challenge challenge) {
      if (crashed.compareAndSet(false, true)) {
        acme.pebble.stopPebble();
      }
      http.present(challenge);
    }

    @Override
    public void cleanUp(Challenge challenge) {
      http.cleanUp(challenge);
    }
  }

  @Test
  void aChangeWhosePebbleRestartedEmptyStillReachesProduction() throws Exception {
    CrashingSolver solver = new CrashingSolver();
    String name = AcmeFixture.name("restart");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(solver))) {
      Enrollment enrolled = flow.enroll(name);

      Enrollment waiting = flow.until(enrolled.id(), "a failed attempt while Pebble is down",
          e -> e.latestChange().orElseThrow().attempts() > 0);
      Change down = waiting.latestChange().orElseThrow();
      OrderRef lostOrder = down.order();
      assertThat(solver.crashed).isTrue();
      assertThat(down.lastError()).contains("CaUnavailableException", "cannot reach the ACME server");

      acme.pebble.startPebble();
      Enrollment done = flow.untilProduction(enrolled.id());

      Change change = done.latestChange().orElseThrow();
      assertThat(change.order()).isNotNull().isNotEqualTo(lostOrder);
      assertThat(change.timeline()).extracting(TimelineEntry::what)
          .anySatisfy(what -> assertThat(what).contains("no longer knows the account"));
      assertThat(AcmeWorkflowTest.dnsNames(done.production().chain().leaf())).containsExactly(name);
      assertThat(flow.production.live(enrolled.id())).contains(done.production().chain());
      assertThat(acme.pebble.starts()).isEqualTo(2);
    }
  }
}
