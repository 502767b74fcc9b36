package dev.cps.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of a change's history.
 *
 * @param what what happened, such as {@code Validating -> AwaitingStagingTest} or a note
 * @param who {@code engine}, a policy, or the person who gave the input
 */
public record TimelineEntry(Instant at, String what, String who) {
  public static final String ENGINE = "engine";

  public TimelineEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(who, "who");
  }

  @Override
  public String toString() {
    return at + "  " + what + "  (" + who + ")";
  }
}
