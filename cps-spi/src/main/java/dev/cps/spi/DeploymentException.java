package dev.cps.spi;

import org.jspecify.annotations.Nullable;

/**
 * A network could not deploy. The network keeps serving what it served before; the engine records
 * the failure on the change and retries with backoff.
 */
public class DeploymentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeploymentException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  public DeploymentException(String message) {
    this(message, null);
  }
}
