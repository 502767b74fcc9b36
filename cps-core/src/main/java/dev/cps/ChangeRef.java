package dev.cps;

import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.ProvisioningEvent;
import java.util.Objects;

/**
 * Names the change a person answers, at the version they saw. An answer to a version the change
 * has moved past is refused with {@link StaleChangeException}.
 */
public record ChangeRef(EnrollmentId enrollment, ChangeId change, long version) {
  public ChangeRef {
    Objects.requireNonNull(enrollment, "enrollment");
    Objects.requireNonNull(change, "change");
  }

  public static ChangeRef of(EnrollmentId enrollment, Change change) {
    return new ChangeRef(enrollment, change.id(), change.version());
  }

  /** The enrollment's open change as it is in this snapshot. */
  public static ChangeRef ofOpenChange(Enrollment enrollment) {
    Change open = enrollment.openChange().orElseThrow(
        () -> new IllegalStateException("enrollment " + enrollment.id() + " has no open change"));
    return of(enrollment.id(), open);
  }

  public static ChangeRef of(ProvisioningEvent.InputNeeded event) {
    return new ChangeRef(event.enrollment(), event.change(), event.changeVersion());
  }
}
