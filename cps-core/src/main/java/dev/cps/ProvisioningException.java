package dev.cps;

/** A call to the provisioner that cannot be carried out as asked. Nothing was stored. */
public abstract class ProvisioningException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected ProvisioningException(String message) {
    super(message);
  }
}
