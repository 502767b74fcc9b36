package dev.cps.testkit;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.OrderLostException;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority.Alteration;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The orders one fake CA has placed, and how each moves from placed through validation to issued
 * as the clock passes and as the {@link CaScript} says. The CA keeps the public surface, the lock
 * and the scripted outages; this keeps what they act on. Mutable; every access holds the CA's lock.
 */
final class OrderBook {
  private final String caId;
  private final Clock clock;
  private final FakeIssuer issuer;
  private final CaScript script;
  /**
   * Marks this CA's order, authorization and challenge ids, so that a reference another instance
   * handed out (before a restart, say) is lost here, as at a real CA, rather than another order.
   */
  private final String instance = String.format("%08x", new SecureRandom().nextInt());
  private final ChallengeMinter challenges = new ChallengeMinter(instance);
  private final Map<String, OrderEntry> orders = new LinkedHashMap<>();
  private final Map<String, OrderEntry> ordersByRequestId = new HashMap<>();
  private final Set<String> lost = new HashSet<>();
  private final Map<String, RevocationReason> revoked = new LinkedHashMap<>();
  private int submitCount;

  OrderBook(String caId, Clock clock, FakeIssuer issuer, CaScript script) {
    this.caId = caId;
    this.clock = clock;
    this.issuer = issuer;
    this.script = script;
  }

  /** Counts every submission, before anything can fail it: tests assert on retries too. */
  void countSubmit() {
    submitCount++;
  }

  int submitCount() {
    return submitCount;
  }

  /** The order already placed under this request id: a resubmission returns it, not a new one. */
  @Nullable OrderEntry forRequest(String requestId) {
    OrderEntry entry = ordersByRequestId.get(requestId);
    return entry == null || lost.contains(entry.ref.value()) ? null : entry;
  }

  /** Forgets every order placed so far, as a CA that restarted empty: each is lost to its callers. */
  void forgetAll() {
    lost.addAll(orders.keySet());
  }

  /**
   * Revokes the certificate one of this CA's orders issued.
   *
   * @throws CaRejectedException if this CA did not issue it, or it is revoked already
   */
  void revoke(CertificateChain certificate, RevocationReason reason) {
    // The end-entity certificate, wherever the chain has it: one this CA returned unsorted is
    // handed back sorted, and an intermediate is not a certificate one revokes here.
    X509Certificate leaf = endEntity(certificate);
    String serial = leaf.getSerialNumber().toString(16);
    boolean issuedHere = orders.values().stream()
        .anyMatch(e -> e.issued != null && endEntity(e.issued).equals(leaf));
    if (!issuedHere) {
      throw new CaRejectedException("certificate " + serial + " was not issued by fake CA " + caId, "unauthorized",
          null);
    }
    if (revoked.containsKey(serial)) {
      throw new CaRejectedException("certificate " + serial + " is already revoked", "alreadyRevoked", null);
    }
    revoked.put(serial, reason);
  }

  private static X509Certificate endEntity(CertificateChain chain) {
    return chain.certificates().stream().filter(c -> c.getBasicConstraints() < 0).findFirst().orElse(chain.leaf());
  }

  Map<String, RevocationReason> revocations() {
    return Map.copyOf(revoked);
  }

  /**
   * Places a new order for a verified CSR. A DV order gets challenges if the script requires them
   * and validates once they are ready; any other order starts validating at once.
   */
  OrderRef place(OrderRequest request, CsrContents csr) {
    Instant now = clock.instant();
    OrderRef ref = new OrderRef(caId, "order-" + instance + "-" + (orders.size() + 1));
    List<ChallengeType> challengeTypes = script.challengeTypes();
    boolean challenged = !challengeTypes.isEmpty() && request.enrollment().validationType() == ValidationType.DV;
    OrderEntry entry = new OrderEntry(
        ref, request, csr, now, challenged ? challenges.mint(challengeTypes, csr.dnsNames()) : List.of());
    if (!challenged) {
      entry.readyAt = now.plus(script.validationTime(entry.validationType()));
    }
    entry.invalidReason = script.pollInvalidation();
    orders.put(ref.value(), entry);
    ordersByRequestId.put(request.requestId(), entry);
    return ref;
  }

  OrderStatus status(OrderRef order) {
    OrderEntry entry = get(order);
    return switch (entry.state()) {
      case CANCELLED -> new OrderStatus.Invalid("cancelled");
      case INVALID -> new OrderStatus.Invalid(Objects.requireNonNull(entry.invalidReason));
      case ISSUED -> new OrderStatus.Issued();
      case AWAITING_CHALLENGES -> new OrderStatus.Pending(entry.outstanding(), null);
      case VALIDATING -> new OrderStatus.Pending(List.of(), entry.readyAt);
    };
  }

  /**
   * Records the challenges as ready; the last one outstanding starts the validation time. Each must
   * be one this CA handed out for the order, as handed out (token and key authorization too); if
   * one is not, none is recorded.
   */
  void challengesReady(OrderRef order, List<Challenge> challenges) {
    OrderEntry entry = get(order);
    for (Challenge challenge : challenges) {
      Challenge handedOut = entry.challenges.stream().filter(c -> c.id().equals(challenge.id())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(
              "challenge " + challenge.id() + " does not belong to order " + order.value()));
      if (!handedOut.equals(challenge)) {
        throw new IllegalArgumentException("challenge " + challenge.id() + " of order " + order.value()
            + " is not as this CA handed it out (its token, key authorization, type or name differ)");
      }
    }
    for (Challenge challenge : challenges) {
      entry.readied.put(challenge.id(), challenge);
    }
    if (entry.readyAt == null && entry.outstanding().isEmpty()) {
      entry.readyAt = clock.instant().plus(script.validationTime(entry.validationType()));
    }
  }

  CertificateChain retrieve(OrderRef order) {
    OrderEntry entry = get(order);
    if (entry.state() != FakeOrder.State.ISSUED) {
      throw new IllegalStateException("order " + order.value() + " is not issued: it is " + entry.state());
    }
    return Objects.requireNonNull(entry.issued);
  }

  void cancel(OrderRef order) {
    get(order).cancelled = true;
  }

  List<Challenge> challengesReadied(OrderRef order) {
    return List.copyOf(get(order).readied.values());
  }

  /**
   * The order a test asks about.
   *
   * @throws IllegalArgumentException if this CA never placed it: the test, not the CA, is wrong
   */
  FakeOrder snapshot(OrderRef order) {
    OrderEntry entry = orders.get(order.value());
    if (entry == null || !order.authority().equals(caId)) {
      throw new IllegalArgumentException("fake CA " + caId + " has no order " + order);
    }
    return entry.snapshot();
  }

  List<FakeOrder> snapshots() {
    return orders.values().stream().map(OrderEntry::snapshot).toList();
  }

  int issuedCount() {
    return (int) orders.values().stream().filter(e -> e.issued != null).count();
  }

  int size() {
    return orders.size();
  }

  /**
   * The order a caller of the SPI refers to.
   *
   * @throws OrderLostException if this CA never placed it or has forgotten it, as a real CA answers
   *     an unknown order
   */
  private OrderEntry get(OrderRef order) {
    Objects.requireNonNull(order, "order");
    OrderEntry entry = order.authority().equals(caId) ? orders.get(order.value()) : null;
    if (entry == null || lost.contains(order.value())) {
      throw new OrderLostException(order, "fake CA " + caId + (entry == null ? " never placed it" : " forgot it"));
    }
    return entry;
  }

  /** What one caller signs outside the lock: the order, and the script's say taken for it. */
  record Signing(OrderEntry entry, Set<Alteration> alterations, Instant notBefore, Duration lifetime) {}

  /**
   * Claims the signing of the order's certificate if its validation is over and it was neither
   * refused nor cancelled; {@code null} if there is nothing to sign or another caller signs it.
   * Signing happens on a poll because time only moves when the test moves it.
   */
  @Nullable Signing claimSigning(OrderRef order) {
    OrderEntry entry = get(order);
    Instant now = clock.instant();
    if (entry.signing || entry.state() != FakeOrder.State.VALIDATING
        || now.isBefore(Objects.requireNonNull(entry.readyAt))) {
      return null;
    }
    entry.signing = true;
    Set<Alteration> alterations = script.takeAlterations();
    return new Signing(entry, alterations, now, script.lifetime(entry.validationType(), alterations));
  }

  /** Signs a claimed order. Touches no state of the book: called outside the CA's lock. */
  CertificateChain sign(Signing signing) {
    return issuer.issue(signing.entry().csr, signing.entry().validationType(), signing.alterations(),
        signing.notBefore(), signing.lifetime());
  }

  /** Records what {@link #sign} produced, or releases the claim if signing failed. */
  void signed(Signing signing, @Nullable CertificateChain chain) {
    signing.entry().signing = false;
    signing.entry().issued = chain;
  }
}
