package dev.cps;

import dev.cps.spi.ChangeId;

/**
 * An answer named a version of the change that is no longer current: the change moved on since
 * the person looked. Read it again and decide again.
 */
public final class StaleChangeException extends ProvisioningException {
  private static final long serialVersionUID = 1L;

  private final ChangeId change;
  private final long expectedVersion;
  private final long currentVersion;
  private final String currentState;

  public StaleChangeException(ChangeId change, long expectedVersion, long currentVersion, String currentState) {
    super("change " + change + " is at version " + currentVersion + " (" + currentState
        + "), not at version " + expectedVersion + " that the answer names");
    this.change = change;
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
    this.currentState = currentState;
  }

  public ChangeId change() {
    return change;
  }

  public long expectedVersion() {
    return expectedVersion;
  }

  public long currentVersion() {
    return currentVersion;
  }

  public String currentState() {
    return currentState;
  }
}
