package dev.cps.spi;

import java.util.Objects;
import java.util.UUID;

/** Identifies one change: one pass from key generation to production. */
public record ChangeId(String value) implements Comparable<ChangeId> {
  public ChangeId {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("ChangeId must not be blank");
    }
  }

  public static ChangeId of(String value) {
    return new ChangeId(value);
  }

  public static ChangeId random() {
    return new ChangeId(UUID.randomUUID().toString());
  }

  @Override
  public int compareTo(ChangeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
