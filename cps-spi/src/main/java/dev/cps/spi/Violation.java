package dev.cps.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One reason a request was refused.
 *
 * @param field the path of the field, such as {@code adminContact.email} or
 *     {@code subjectAlternativeNames[3]}
 * @param value the refused value as given, or {@code null} when it was missing
 * @param problem what is wrong, in words a person can act on
 */
public record Violation(String field, @Nullable String value, String problem) {
  public Violation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(problem, "problem");
  }

  @Override
  public String toString() {
    return field + (value == null ? " (missing)" : "='" + value + "'") + ": " + problem;
  }
}
