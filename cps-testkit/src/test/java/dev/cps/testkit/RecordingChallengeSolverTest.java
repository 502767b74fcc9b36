package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import dev.cps.testkit.contract.ChallengeSolverContract;
import org.junit.jupiter.api.Test;

class RecordingChallengeSolverTest extends ChallengeSolverContract {

  @Override
  protected ChallengeSolver newSolver() {
    return new RecordingChallengeSolver(ChallengeType.HTTP_01);
  }

  @Override
  protected boolean isPublished(ChallengeSolver solver, Challenge challenge) {
    return ((RecordingChallengeSolver) solver).isPublished(challenge);
  }

  @Test
  void refusesTypesItDoesNotHandle() {
    RecordingChallengeSolver solver = new RecordingChallengeSolver(ChallengeType.HTTP_01);
    Challenge dns = new Challenge("x", "authz-x", ChallengeType.DNS_01, "x.example.com", "t", "t.k");

    assertThatThrownBy(() -> solver.present(dns)).hasMessageContaining("DNS_01");
    assertThat(solver.presented()).isEmpty();
  }

  @Test
  void recordsEveryPresentAndCleanUpInOrder() {
    RecordingChallengeSolver solver = new RecordingChallengeSolver(ChallengeType.HTTP_01, ChallengeType.DNS_01);
    Challenge a = new Challenge("a", "authz-a", ChallengeType.HTTP_01, "a.example.com", "ta", "ta.k");
    Challenge b = new Challenge("b", "authz-b", ChallengeType.DNS_01, "b.example.com", "tb", "tb.k");

    solver.present(a);
    solver.present(b);
    solver.cleanUp(a);

    assertThat(solver.presented()).containsExactly(a, b);
    assertThat(solver.cleanedUp()).containsExactly(a);
    assertThat(solver.published()).containsExactly(b);
  }
}
