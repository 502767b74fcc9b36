package dev.cps.ca.acme;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether to finalize an order straight after its challenges were answered, without reading it
 * first: it saves a request per certificate against a CA that validates while it answers the
 * challenge (a CA next door, a test CA), and costs one against a CA that takes longer. A score of
 * how that went lately decides: a finalization that worked raises it, one the CA refused as not
 * ready lowers it twice as much, and while it is negative an order read at once after answering
 * and found ready raises it again, so a CA that became fast is noticed. Thread-safe.
 */
final class FinalizeOptimism {
  static final int LIMIT = 8;

  private final AtomicInteger score = new AtomicInteger();

  /** Whether to finalize at once now. */
  boolean worthTrying() {
    return score.get() >= 0;
  }

  /** A finalization at once was accepted ({@code true}) or refused as not ready ({@code false}). */
  void tried(boolean accepted) {
    score.updateAndGet(s -> accepted ? Math.min(s + 1, LIMIT) : Math.max(s - 2, -LIMIT));
  }

  /** Not tried, the order was read at once after answering and found ready: it would have worked. */
  void wouldHaveWorked() {
    score.updateAndGet(s -> Math.min(s + 1, LIMIT));
  }

  @Override
  public String toString() {
    return "FinalizeOptimism[" + score.get() + "]";
  }
}
