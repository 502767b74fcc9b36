package dev.cps.spi;

import java.util.Objects;

/**
 * One post-verification warning. The change waits until a person accepts the warnings (or a
 * policy accepts the code), and is cancelled if they are denied.
 *
 * @param detail what differs, in words, naming both values
 */
public record Warning(WarningCode code, String detail) {
  public Warning {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return code + ": " + detail;
  }
}
