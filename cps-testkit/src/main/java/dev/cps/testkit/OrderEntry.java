package dev.cps.testkit;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Challenge;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.ValidationType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One order inside the fake CA. Mutable; every access holds the CA's lock. */
final class OrderEntry {
  final OrderRef ref;
  final OrderRequest request;
  final CsrContents csr;
  final Instant submittedAt;
  final List<Challenge> challenges;
  final Map<String, Challenge> readied = new LinkedHashMap<>();
  /** When validation completes; {@code null} while challenges are outstanding. */
  @Nullable Instant readyAt;
  @Nullable String invalidReason;
  boolean cancelled;
  @Nullable CertificateChain issued;
  /** Claimed for signing by one caller, who signs outside the CA's lock. */
  boolean signing;

  OrderEntry(OrderRef ref, OrderRequest request, CsrContents csr, Instant submittedAt, List<Challenge> challenges) {
    this.ref = ref;
    this.request = request;
    this.csr = csr;
    this.submittedAt = submittedAt;
    this.challenges = List.copyOf(challenges);
  }

  ValidationType validationType() {
    return request.enrollment().validationType();
  }

  /**
   * The challenges of the names none of whose challenges was reported ready, in the order they were
   * handed out: once one alternative of a name is answered, the others are no longer offered.
   */
  List<Challenge> outstanding() {
    return challenges.stream()
        .filter(c -> readied.values().stream().noneMatch(r -> r.authorization().equals(c.authorization())))
        .toList();
  }

  FakeOrder.State state() {
    if (cancelled) {
      return FakeOrder.State.CANCELLED;
    }
    if (invalidReason != null) {
      return FakeOrder.State.INVALID;
    }
    if (issued != null) {
      return FakeOrder.State.ISSUED;
    }
    return readyAt == null ? FakeOrder.State.AWAITING_CHALLENGES : FakeOrder.State.VALIDATING;
  }

  FakeOrder snapshot() {
    return new FakeOrder(ref, request.requestId(), csr.dnsNames(), validationType(), request.enrollment(),
        request.csr(), submittedAt, state(), challenges, issued, request.replaces());
  }
}
