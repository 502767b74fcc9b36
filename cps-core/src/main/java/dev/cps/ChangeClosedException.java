package dev.cps;

import dev.cps.spi.ChangeId;
import dev.cps.spi.ChangeState;

/**
 * Completes a {@link CertificateProvisioner#awaitProduction} future whose change ended without
 * reaching production: cancelled or failed.
 */
public final class ChangeClosedException extends ProvisioningException {
  private static final long serialVersionUID = 1L;

  private final ChangeId change;
  private final transient ChangeState state;

  public ChangeClosedException(ChangeId change, ChangeState state) {
    super("change " + change + " ended " + state);
    this.change = change;
    this.state = state;
  }

  public ChangeId change() {
    return change;
  }

  public ChangeState state() {
    return state;
  }
}
