package dev.cps.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ChallengeSolver} must do. A subclass builds the solver and says how to see
 * whether a challenge is published (fetch the HTTP token, look up the TXT record, ...).
 */
public abstract class ChallengeSolverContract {

  protected abstract ChallengeSolver newSolver();

  /** Whether the CA could validate the challenge now. */
  protected abstract boolean isPublished(ChallengeSolver solver, Challenge challenge);

  /** A challenge of a type the solver handles, for the given name. */
  protected Challenge challenge(ChallengeSolver solver, String domain, String token) {
    ChallengeType type = solver.types().iterator().next();
    return new Challenge(domain + "/" + token, domain, type, domain, token, token + ".contract-thumbprint");
  }

  @Test
  public void handlesAtLeastOneType() {
    assertThat(newSolver().types()).isNotEmpty();
  }

  @Test
  public void presentPublishesAndCleanUpRemoves() {
    ChallengeSolver solver = newSolver();
    Challenge challenge = challenge(solver, "a.example.com", "token-a");

    solver.present(challenge);
    assertThat(isPublished(solver, challenge)).isTrue();

    solver.cleanUp(challenge);
    assertThat(isPublished(solver, challenge)).isFalse();
  }

  @Test
  public void presentingTwiceIsHarmless() {
    ChallengeSolver solver = newSolver();
    Challenge challenge = challenge(solver, "b.example.com", "token-b");

    solver.present(challenge);
    solver.present(challenge);

    assertThat(isPublished(solver, challenge)).isTrue();
  }

  @Test
  public void challengesOfSeveralNamesLiveSideBySide() {
    ChallengeSolver solver = newSolver();
    Challenge first = challenge(solver, "c.example.com", "token-c");
    Challenge second = challenge(solver, "d.example.com", "token-d");

    solver.present(first);
    solver.present(second);
    solver.cleanUp(first);

    assertThat(isPublished(solver, first)).isFalse();
    assertThat(isPublished(solver, second)).isTrue();
  }

  @Test
  public void cleaningUpWhatWasNeverPresentedIsHarmless() {
    ChallengeSolver solver = newSolver();

    assertThatCode(() -> solver.cleanUp(challenge(solver, "e.example.com", "token-e"))).doesNotThrowAnyException();
  }
}
