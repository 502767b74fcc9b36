package dev.cps.ca.acme;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import java.util.Objects;
import java.util.Set;

/** Answers HTTP-01 challenges through an {@link Http01Publisher}. */
public final class Http01Solver implements ChallengeSolver {
  private final Http01Publisher publisher;

  private Http01Solver(Http01Publisher publisher) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
  }

  /** A solver that publishes each token with {@code publisher}, such as an {@link Http01Server}. */
  public static Http01Solver publishingTo(Http01Publisher publisher) {
    return new Http01Solver(publisher);
  }

  @Override
  public Set<ChallengeType> types() {
    return Set.of(ChallengeType.HTTP_01);
  }

  @Override
  public void present(Challenge challenge) {
    requireHttp(challenge);
    publisher.publish(Tokens.requireToken(challenge.token()), challenge.httpBody());
  }

  @Override
  public void cleanUp(Challenge challenge) {
    requireHttp(challenge);
    publisher.withdraw(Tokens.requireToken(challenge.token()));
  }

  private static void requireHttp(Challenge challenge) {
    if (challenge.type() != ChallengeType.HTTP_01) {
      throw new IllegalArgumentException("an HTTP-01 solver cannot answer a " + challenge.type() + " challenge");
    }
  }

  @Override
  public String toString() {
    return "Http01Solver[" + publisher + "]";
  }
}
