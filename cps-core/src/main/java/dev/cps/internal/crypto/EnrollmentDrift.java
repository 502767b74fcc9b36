package dev.cps.internal.crypto;

import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether an enrollment changed between submitting its CSR and receiving the certificate. Compares
 * the record's components one by one, so a component added to {@link EnrollmentRequest} later is
 * compared without anyone remembering to add it here.
 */
final class EnrollmentDrift {
  private static final RecordComponent[] COMPONENTS = EnrollmentRequest.class.getRecordComponents();

  private EnrollmentDrift() {}

  static Optional<Warning> between(EnrollmentRequest submitted, EnrollmentRequest current) {
    if (submitted.equals(current)) {
      return Optional.empty();
    }
    List<String> changed = new ArrayList<>();
    for (RecordComponent component : COMPONENTS) {
      if (!Objects.equals(value(component, submitted), value(component, current))) {
        changed.add(component.getName());
      }
    }
    String consequence = submitted.certificateDiffers(current)
        ? "; a certificate ordered now would differ from this one"
        : "; the certificate itself is not affected";
    return Optional.of(new Warning(WarningCode.ENROLLMENT_CHANGED_SINCE_SUBMISSION,
        "changed since the CSR was submitted: " + String.join(", ", changed) + consequence));
  }

  private static Object value(RecordComponent component, EnrollmentRequest request) {
    try {
      return component.getAccessor().invoke(request);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read EnrollmentRequest." + component.getName(), e);
    }
  }
}
