package dev.cps.ca.acme;

import dev.cps.spi.CertificateAuthority;
import java.net.URI;

/**
 * A {@link CertificateAuthority} that orders DV certificates from an ACME server (RFC 8555) through
 * acme4j. Build one with {@link #builder()}, or let the provisioner build it from an {@code
 * acme+https://} URI ({@link AcmeCertificateAuthorityProvider}).
 *
 * <ul>
 *   <li>{@code submit} places a new order for the enrollment's names, with the configured profile,
 *       and with {@code replaces} on a renewal when the server offers renewal information (ARI).
 *   <li>{@code status} reads the order and its authorizations, hands out the challenges of each name
 *       not yet answered, finalizes with the change's CSR once the order is ready, and reports the
 *       order issued once it is valid. Short waits (the server validating, the certificate being
 *       signed) are polled inside the call with {@link AcmePolling}; longer ones are left to the
 *       engine's schedule, with the server's Retry-After.
 *   <li>{@code renewalWindow} asks the server's ARI endpoint, when its directory has one.
 * </ul>
 *
 * <p>The account key is an EC P-256 key in the provisioner's key store, generated on first use; the
 * account is found again by that key on every start (ACME's {@code onlyReturnExisting}), so no
 * account URL needs storing. A server that forgot the account gets a new one; a server that forgot
 * an order raises {@link dev.cps.spi.OrderLostException}.
 */
public interface AcmeCertificateAuthority extends CertificateAuthority {

  /** The directory this CA orders from. */
  URI directory();

  static AcmeCertificateAuthorityBuilder builder() {
    return new AcmeCertificateAuthorityBuilder();
  }
}
