package dev.cps.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A permanent CA refusal: the change fails with the CA's reason; retrying would not help. */
public class CaRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String reason;
  private final @Nullable String code;

  /**
   * @param reason the CA's own words
   * @param code the CA's machine-readable type, such as {@code urn:ietf:params:acme:error:caa}
   */
  public CaRejectedException(String reason, @Nullable String code, @Nullable Throwable cause) {
    super(code == null ? reason : reason + " (" + code + ")", cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.code = code;
  }

  public CaRejectedException(String reason) {
    this(reason, null, null);
  }

  public String reason() {
    return reason;
  }

  public @Nullable String code() {
    return code;
  }
}
