package dev.cps.spi;

/**
 * A write named a version that is no longer the stored one: someone else wrote first. Read again
 * and decide again.
 */
public class VersionConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final EnrollmentId enrollment;
  private final long expected;

  public VersionConflictException(EnrollmentId enrollment, long expected, String detail) {
    super("enrollment " + enrollment + " is no longer at version " + expected + ": " + detail);
    this.enrollment = enrollment;
    this.expected = expected;
  }

  public EnrollmentId enrollment() {
    return enrollment;
  }

  public long expected() {
    return expected;
  }
}
