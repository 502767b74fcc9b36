package dev.cps.spi;

import java.util.List;
import java.util.Optional;

/**
 * A certificate authority the engine orders from. Calls may throw {@link CaUnavailableException}
 * (retried with backoff) or {@link CaRejectedException} (the change fails with the CA's reason).
 *
 * <p>Implementations are called from several worker threads at once, for different orders. An
 * order the CA does not know, or no longer knows (any method naming one), is an {@link
 * OrderLostException}: the engine then orders again for the change. An order of another CA is a
 * {@link CaRejectedException}.
 */
public interface CertificateAuthority {

  /** Names this CA in enrollments ({@link EnrollmentRequest#certificateAuthority()}) and orders. */
  String id();

  /**
   * What this CA would refuse in the request, each as a field, its value and why: asked when a
   * request is enrolled or updated for this CA, before anything is stored, so that a request the CA
   * can never issue is bad input, not a change that fails after its key and order. The default
   * refuses nothing.
   */
  default List<Violation> check(EnrollmentRequest request) {
    return List.of();
  }

  /** Places an order. Same {@link OrderRequest#requestId()}, same order, where the CA can. */
  OrderRef submit(OrderRequest request);

  /** Reports how the order stands, with any DV challenges still awaiting a response. */
  OrderStatus status(OrderRef order);

  /**
   * Reports how the order stands, given the request it was placed for. The engine calls this form,
   * so that a CA whose protocol wants the CSR only once the names are validated (ACME's finalize)
   * has it at hand, also after a restart. The default ignores the request.
   */
  default OrderStatus status(OrderRef order, OrderRequest request) {
    return status(order);
  }

  /**
   * Tells the CA that these challenges are in place and may be validated now.
   *
   * @throws IllegalArgumentException if a challenge is not one of the order's
   */
  void challengesReady(OrderRef order, List<Challenge> challenges);

  /** Hands out the issued chain, leaf first. Only after {@link OrderStatus.Issued}. */
  CertificateChain retrieve(OrderRef order);

  /** Withdraws an order that is no longer wanted. Best effort. */
  void cancel(OrderRef order);

  /**
   * When the CA would like this certificate renewed, if it says. The engine asks when the
   * certificate goes live and again at {@link RenewalWindow#checkAgainAt()}.
   */
  default Optional<RenewalWindow> renewalWindow(CertificateChain certificate) {
    return Optional.empty();
  }

  /**
   * Revokes a certificate this CA issued.
   *
   * @throws UnsupportedOperationException if the CA cannot revoke
   * @throws CaRejectedException if the CA refuses, for instance for a certificate it did not issue
   */
  default void revoke(CertificateChain certificate, RevocationReason reason) {
    throw new UnsupportedOperationException("certificate authority " + id() + " cannot revoke certificates");
  }
}
