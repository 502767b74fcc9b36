package dev.cps;

import dev.cps.spi.ChangeId;
import dev.cps.spi.EnrollmentId;

/**
 * The enrollment already has a change under way. Cancel it, or update with
 * {@link UpdateMode#CANCEL_PENDING}.
 */
public final class ChangePendingException extends ProvisioningException {
  private static final long serialVersionUID = 1L;

  private final EnrollmentId enrollment;
  private final ChangeId pending;

  public ChangePendingException(EnrollmentId enrollment, ChangeId pending, String state) {
    super("enrollment " + enrollment + " has change " + pending + " pending (" + state
        + "): cancel it, or update with UpdateMode.CANCEL_PENDING");
    this.enrollment = enrollment;
    this.pending = pending;
  }

  public EnrollmentId enrollment() {
    return enrollment;
  }

  public ChangeId pending() {
    return pending;
  }
}
