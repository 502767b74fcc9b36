package dev.cps.spi;

import java.util.Objects;
import java.util.UUID;

/** Identifies a private key held by a {@link PrivateKeyStore}. The id is not secret. */
public record KeyId(String value) implements Comparable<KeyId> {
  public KeyId {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("KeyId must not be blank");
    }
  }

  public static KeyId of(String value) {
    return new KeyId(value);
  }

  public static KeyId random() {
    return new KeyId(UUID.randomUUID().toString());
  }

  @Override
  public int compareTo(KeyId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
