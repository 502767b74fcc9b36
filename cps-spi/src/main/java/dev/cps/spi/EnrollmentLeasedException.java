package dev.cps.spi;

import java.time.Instant;

/**
 * Another provisioner holds the enrollment's lease: it may be inside a step (an order, a
 * deployment) whose write would lose to this one, its side effect done and not recorded. Nothing was
 * written; try again once that provisioner is done, which is at {@link #until()} at the latest.
 */
public class EnrollmentLeasedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final EnrollmentId enrollment;
  private final String owner;
  private final Instant until;

  public EnrollmentLeasedException(EnrollmentId enrollment, String owner, Instant until) {
    super("enrollment " + enrollment + " is leased to provisioner '" + owner + "' until " + until
        + ", which is working on it; nothing was written: try again once it is done");
    this.enrollment = enrollment;
    this.owner = owner;
    this.until = until;
  }

  public EnrollmentId enrollment() {
    return enrollment;
  }

  /** The node id of the provisioner that holds the lease. */
  public String owner() {
    return owner;
  }

  /** When the lease ends unless its owner releases or renews it first. */
  public Instant until() {
    return until;
  }
}
