package dev.cps.spi;

import java.util.Set;

/**
 * Publishes DV challenges so the CA can validate them: serves an HTTP token, writes a DNS TXT
 * record, or answers TLS-ALPN. Without a solver for a challenge's type, a person places it.
 */
public interface ChallengeSolver {

  /** The challenge types this solver can publish. */
  Set<ChallengeType> types();

  /** Publishes the challenge; returns once the CA may validate it. */
  void present(Challenge challenge);

  /** Removes what {@link #present} published. Best effort. */
  void cleanUp(Challenge challenge);
}
