package dev.cps.spi;

import java.util.Objects;
import java.util.UUID;

/** Identifies one enrollment for its whole life. */
public record EnrollmentId(String value) implements Comparable<EnrollmentId> {
  public EnrollmentId {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("EnrollmentId must not be blank");
    }
  }

  public static EnrollmentId of(String value) {
    return new EnrollmentId(value);
  }

  public static EnrollmentId random() {
    return new EnrollmentId(UUID.randomUUID().toString());
  }

  @Override
  public int compareTo(EnrollmentId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
