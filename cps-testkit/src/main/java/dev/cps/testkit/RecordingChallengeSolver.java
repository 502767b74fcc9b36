package dev.cps.testkit;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ChallengeSolver} that publishes challenges into memory: what is live now, and the
 * order of every present and clean-up, for assertions. Thread-safe.
 */
public final class RecordingChallengeSolver implements ChallengeSolver {
  private final Set<ChallengeType> types;
  private final Map<String, Challenge> published = new LinkedHashMap<>();
  private final List<Challenge> presented = new ArrayList<>();
  private final List<Challenge> cleanedUp = new ArrayList<>();

  /** Solves challenges of these types. */
  public RecordingChallengeSolver(ChallengeType first, ChallengeType... more) {
    this.types = EnumSet.of(first, more);
  }

  @Override
  public Set<ChallengeType> types() {
    return Set.copyOf(types);
  }

  @Override
  public synchronized void present(Challenge challenge) {
    if (!types.contains(challenge.type())) {
      throw new IllegalArgumentException("this solver handles " + types + ", not " + challenge.type());
    }
    presented.add(challenge);
    published.put(challenge.id(), challenge);
  }

  @Override
  public synchronized void cleanUp(Challenge challenge) {
    cleanedUp.add(challenge);
    published.remove(challenge.id());
  }

  /** Whether the challenge is live now: presented and not cleaned up. */
  public synchronized boolean isPublished(Challenge challenge) {
    return published.containsKey(challenge.id());
  }

  /** The challenges live now. */
  public synchronized List<Challenge> published() {
    return List.copyOf(published.values());
  }

  /** Every challenge presented, in order, repeats included. */
  public synchronized List<Challenge> presented() {
    return List.copyOf(presented);
  }

  /** Every challenge cleaned up, in order. */
  public synchronized List<Challenge> cleanedUp() {
    return List.copyOf(cleanedUp);
  }

  @Override
  public synchronized String toString() {
    return "RecordingChallengeSolver[" + types + ", " + published.size() + " published]";
  }
}
