package dev.cps;

import dev.cps.spi.ChangeId;

/** The change is not in a state that takes this input (say, accepting warnings it does not have). */
public final class InputNotExpectedException extends ProvisioningException {
  private static final long serialVersionUID = 1L;

  private final ChangeId change;
  private final String state;

  public InputNotExpectedException(ChangeId change, String input, String state) {
    super("change " + change + " is " + state + " and does not take '" + input + "' now");
    this.change = change;
    this.state = state;
  }

  public ChangeId change() {
    return change;
  }

  public String state() {
    return state;
  }
}
