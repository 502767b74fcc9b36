package dev.cps.spi;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Input that cannot be accepted. Thrown before anything is stored; names every field that is
 * wrong and the value it had.
 */
public final class InvalidRequestException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<Violation> violations;

  public InvalidRequestException(List<Violation> violations) {
    super(violations.stream().map(Violation::toString).collect(Collectors.joining("; ", "Invalid request: ", "")));
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("an InvalidRequestException needs at least one violation");
    }
    this.violations = List.copyOf(violations);
  }

  public InvalidRequestException(Violation violation) {
    this(List.of(violation));
  }

  /** Every violation found, in field order. */
  public List<Violation> violations() {
    return violations;
  }

  /** The fields that were refused, for quick checks. */
  public List<String> fields() {
    return violations.stream().map(Violation::field).toList();
  }
}
