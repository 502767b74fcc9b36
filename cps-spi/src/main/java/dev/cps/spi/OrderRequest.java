package dev.cps.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the engine asks a CA to sign.
 *
 * @param requestId stable for the change: a CA that can should treat a second submission with the
 *     same id as the same order, so that a crash between submitting and persisting never orders twice
 * @param enrollment the request the CSR was built from (names, validation type, organization, contacts)
 * @param replaces the certificate this one renews, for CAs that link renewals (ACME ARI)
 */
public record OrderRequest(
    String requestId,
    CertificateSigningRequest csr,
    EnrollmentRequest enrollment,
    @Nullable CertificateChain replaces) {
  public OrderRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(csr, "csr");
    Objects.requireNonNull(enrollment, "enrollment");
  }
}
