package dev.cps;

/** No enrollment, or no change in it, has the id the caller named. */
public final class NoSuchEnrollmentException extends ProvisioningException {
  private static final long serialVersionUID = 1L;

  private final String id;

  public NoSuchEnrollmentException(String what, String id) {
    super("no " + what + " with id " + id);
    this.id = id;
  }

  public String id() {
    return id;
  }
}
