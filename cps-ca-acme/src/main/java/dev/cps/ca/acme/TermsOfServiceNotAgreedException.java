package dev.cps.ca.acme;

import dev.cps.spi.CaRejectedException;
import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * An ACME account had to be created, and the terms of service were not agreed to: the CA creates
 * no account until {@link AcmeCertificateAuthorityBuilder#agreeToTermsOfService()} (or {@code
 * agreeToTermsOfService=true} in the URI) says a person read them. Permanent for the change that
 * needed the account.
 */
public final class TermsOfServiceNotAgreedException extends CaRejectedException {
  private static final long serialVersionUID = 1L;

  private final URI directory;
  private final @Nullable URI termsOfService;

  public TermsOfServiceNotAgreedException(URI directory, @Nullable URI termsOfService) {
    super("creating an ACME account at " + directory + " needs the terms of service"
        + (termsOfService == null ? "" : " (" + termsOfService + ")")
        + " agreed to: set agreeToTermsOfService() on the builder or agreeToTermsOfService=true in the URI",
        null, null);
    this.directory = directory;
    this.termsOfService = termsOfService;
  }

  public URI directory() {
    return directory;
  }

  /** The terms the server publishes, or {@code null} if its directory names none. */
  public @Nullable URI termsOfService() {
    return termsOfService;
  }
}
