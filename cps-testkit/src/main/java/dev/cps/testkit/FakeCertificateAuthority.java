package dev.cps.testkit;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.RenewalWindow;
import dev.cps.spi.ValidationType;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A certificate authority in the test's own process: it verifies CSRs, takes its time to validate
 * as the injected clock says, hands out DV challenges when asked to, and signs real X.509
 * certificates under its own root and intermediate. In the spirit of OkHttp's
 * {@code MockWebServer}, a test scripts what happens next ({@link #rejectNext}, {@link #failNext},
 * {@link #alterNext}, ...) and afterwards asks what it was sent ({@link #orders()}).
 *
 * <p>Time only moves when the test moves the clock (a {@link MutableClock}): an order submitted at
 * {@code t} reports {@link OrderStatus.Pending} until the clock reads {@code t} plus the
 * validation time of its type, and is signed by the first poll after that. Thread-safe.
 */
public final class FakeCertificateAuthority implements CertificateAuthority {

  /** Ways to make the next issued certificate differ from what the CSR asked for. */
  public enum Alteration {
    /** Omit the organizational unit (OU) from the subject. */
    DROP_OU,
    /** Add {@code extra.<domain of the first name>} to the SANs. */
    ADD_SAN,
    /** Drop the last SAN. */
    DROP_SAN,
    /** Change the organization (O), or add one when the CSR had none. */
    CHANGE_O,
    /** Make the certificate valid for one day only. */
    SHORT_LIFETIME,
    /** Return the chain as {@code [intermediate, leaf]}. */
    UNSORTED_CHAIN,
    /** Certify a freshly generated key instead of the CSR's. */
    WRONG_KEY,
    /** Return only the leaf. */
    MISSING_INTERMEDIATE
  }

  /** The thumbprint every key authorization ends in: the fake CA has one fake ACME account. */
  public static final String ACCOUNT_THUMBPRINT = "cps-testkit-fake-account-thumbprint";

  private static final Duration SHORT_LIFETIME = Duration.ofDays(1);

  private final String id;
  private final Clock clock;
  private final Provider provider;
  private final FakeIssuer issuer;
  private final SecureRandom random = new SecureRandom();
  private final Object lock = new Object();

  // The script. Guarded by lock.
  private final Map<ValidationType, Duration> validationTimes = new EnumMap<>(Map.of(
      ValidationType.DV, Duration.ofMinutes(2), ValidationType.OV, Duration.ofDays(2),
      ValidationType.EV, Duration.ofDays(7), ValidationType.THIRD_PARTY, Duration.ZERO));
  private final Map<ValidationType, Duration> lifetimes = new EnumMap<>(ValidationType.class);
  private @Nullable ChallengeType challengeType;
  private final Deque<String> rejections = new ArrayDeque<>();
  private final Deque<String> invalidations = new ArrayDeque<>();
  private int failuresLeft;
  private @Nullable Duration failureRetryAfter;
  private final Set<Alteration> nextAlterations = EnumSet.noneOf(Alteration.class);
  private Function<CertificateChain, Optional<RenewalWindow>> renewalAdvice = chain -> Optional.empty();

  // What happened. Guarded by lock.
  private final Map<String, OrderEntry> orders = new LinkedHashMap<>();
  private final Map<String, OrderEntry> ordersByRequestId = new HashMap<>();
  private int submitCount;
  private int challengeCount;

  private FakeCertificateAuthority(Builder builder) {
    this.id = builder.id;
    this.clock = Objects.requireNonNull(builder.clock);
    this.provider = Objects.requireNonNull(builder.provider);
    this.issuer = new FakeIssuer(id, clock.instant(), provider);
    for (ValidationType type : ValidationType.values()) {
      lifetimes.put(type, Duration.ofDays(90));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String id() {
    return id;
  }

  /** The self-signed root: what a test trusts, as a client would trust a public CA's root. */
  public X509Certificate rootCertificate() {
    return issuer.root();
  }

  /** The intermediate that signs every leaf. */
  public X509Certificate intermediateCertificate() {
    return issuer.intermediate();
  }

  // ---- CertificateAuthority --------------------------------------------------------------------

  /**
   * Places an order, or returns the order already placed under the same request id. Scripted
   * failures and rejections come first, then the CSR is verified: an invalid one is refused.
   */
  @Override
  public OrderRef submit(OrderRequest request) {
    Objects.requireNonNull(request, "request");
    synchronized (lock) {
      submitCount++;
      failIfScripted();
      String rejection = rejections.poll();
      if (rejection != null) {
        throw new CaRejectedException(rejection);
      }
      OrderEntry existing = ordersByRequestId.get(request.requestId());
      if (existing != null) {
        return existing.ref;
      }
      CsrContents csr = CsrContents.read(request.csr(), provider);
      Instant now = clock.instant();
      OrderRef ref = new OrderRef(id, "order-" + (orders.size() + 1));
      boolean challenged = challengeType != null && request.enrollment().validationType() == ValidationType.DV;
      OrderEntry entry = new OrderEntry(ref, request, csr, now, challenged ? newChallenges(csr.dnsNames()) : List.of());
      if (!challenged) {
        entry.readyAt = now.plus(validationTimes.get(entry.validationType()));
      }
      entry.invalidReason = invalidations.poll();
      orders.put(ref.value(), entry);
      ordersByRequestId.put(request.requestId(), entry);
      return ref;
    }
  }

  @Override
  public OrderStatus status(OrderRef order) {
    synchronized (lock) {
      failIfScripted();
      OrderEntry entry = entry(order);
      issueIfValidated(entry);
      return switch (entry.state()) {
        case CANCELLED -> new OrderStatus.Invalid("cancelled");
        case INVALID -> new OrderStatus.Invalid(Objects.requireNonNull(entry.invalidReason));
        case ISSUED -> new OrderStatus.Issued();
        case AWAITING_CHALLENGES -> new OrderStatus.Pending(entry.outstanding(), null);
        case VALIDATING -> new OrderStatus.Pending(List.of(), entry.readyAt);
      };
    }
  }

  /**
   * Records the challenges as in place. Once every challenge of the order is, the DV validation
   * time starts to run.
   *
   * @throws IllegalArgumentException if a challenge does not belong to the order
   */
  @Override
  public void challengesReady(OrderRef order, List<Challenge> challenges) {
    Objects.requireNonNull(challenges, "challenges");
    synchronized (lock) {
      failIfScripted();
      OrderEntry entry = entry(order);
      for (Challenge challenge : challenges) {
        if (entry.challenges.stream().noneMatch(c -> c.id().equals(challenge.id()))) {
          throw new IllegalArgumentException(
              "challenge " + challenge.id() + " does not belong to order " + order.value());
        }
        entry.readied.put(challenge.id(), challenge);
      }
      if (entry.readyAt == null && entry.outstanding().isEmpty()) {
        entry.readyAt = clock.instant().plus(validationTimes.get(entry.validationType()));
      }
    }
  }

  /**
   * The issued chain, {@code [leaf, intermediate]} unless altered; the root is not included.
   *
   * @throws IllegalStateException if the order is not issued (or was cancelled or refused)
   */
  @Override
  public CertificateChain retrieve(OrderRef order) {
    synchronized (lock) {
      failIfScripted();
      OrderEntry entry = entry(order);
      issueIfValidated(entry);
      if (entry.state() != FakeOrder.State.ISSUED) {
        throw new IllegalStateException("order " + order.value() + " is not issued: it is " + entry.state());
      }
      return Objects.requireNonNull(entry.issued);
    }
  }

  /** Marks the order cancelled: from now on its status is {@code Invalid("cancelled")}. */
  @Override
  public void cancel(OrderRef order) {
    synchronized (lock) {
      failIfScripted();
      entry(order).cancelled = true;
    }
  }

  /** What {@link #suggestRenewal} or {@link #renewalAdvice} scripted; empty by default. */
  @Override
  public Optional<RenewalWindow> renewalWindow(CertificateChain certificate) {
    Objects.requireNonNull(certificate, "certificate");
    synchronized (lock) {
      failIfScripted();
      return renewalAdvice.apply(certificate);
    }
  }

  // ---- the script ------------------------------------------------------------------------------

  /** How long validation of orders of this type takes, from submission or from challenges ready. */
  public FakeCertificateAuthority validationTime(ValidationType type, Duration time) {
    Objects.requireNonNull(type, "type");
    requireNotNegative("validationTime", time);
    synchronized (lock) {
      validationTimes.put(type, time);
    }
    return this;
  }

  /** The lifetime of certificates for orders of this type (90 days by default). */
  public FakeCertificateAuthority lifetime(ValidationType type, Duration lifetime) {
    Objects.requireNonNull(type, "type");
    requirePositive("lifetime", lifetime);
    synchronized (lock) {
      lifetimes.put(type, lifetime);
    }
    return this;
  }

  /** The lifetime of certificates for orders of every type. */
  public FakeCertificateAuthority lifetime(Duration lifetime) {
    requirePositive("lifetime", lifetime);
    synchronized (lock) {
      lifetimes.replaceAll((type, old) -> lifetime);
    }
    return this;
  }

  /**
   * Hands DV orders submitted from now on one challenge of this type per name; validation waits
   * until they are reported ready. Without this call, DV orders validate on their own.
   */
  public FakeCertificateAuthority requireChallenges(ChallengeType type) {
    Objects.requireNonNull(type, "type");
    synchronized (lock) {
      challengeType = type;
    }
    return this;
  }

  /** The next call to {@link #submit} throws {@link CaRejectedException} with this reason. Queues. */
  public FakeCertificateAuthority rejectNext(String reason) {
    Objects.requireNonNull(reason, "reason");
    synchronized (lock) {
      rejections.add(reason);
    }
    return this;
  }

  /** The next order placed reports {@code Invalid(reason)} when polled. Queues. */
  public FakeCertificateAuthority invalidateNext(String reason) {
    Objects.requireNonNull(reason, "reason");
    synchronized (lock) {
      invalidations.add(reason);
    }
    return this;
  }

  /** The next {@code times} calls, of any method but {@link #id()}, throw {@link CaUnavailableException}. */
  public FakeCertificateAuthority failNext(int times) {
    return failNext(times, null);
  }

  /** As {@link #failNext(int)}, with {@link CaUnavailableException#retryAfter()} that far from now. */
  public FakeCertificateAuthority failNext(int times, @Nullable Duration retryAfter) {
    if (times < 0) {
      throw new IllegalArgumentException("times must not be negative, was " + times);
    }
    if (retryAfter != null) {
      requireNotNegative("retryAfter", retryAfter);
    }
    synchronized (lock) {
      failuresLeft = times;
      failureRetryAfter = retryAfter;
    }
    return this;
  }

  /** Applies these alterations to the next certificate the CA signs, and only to that one. */
  public FakeCertificateAuthority alterNext(Alteration... alterations) {
    synchronized (lock) {
      nextAlterations.addAll(List.of(alterations));
    }
    return this;
  }

  /**
   * Makes {@link #renewalWindow} suggest renewing between {@code startBeforeExpiry} and
   * {@code endBeforeExpiry} before the certificate's notAfter, as an ACME ARI server would.
   */
  public FakeCertificateAuthority suggestRenewal(Duration startBeforeExpiry, Duration endBeforeExpiry) {
    requireNotNegative("startBeforeExpiry", startBeforeExpiry);
    requireNotNegative("endBeforeExpiry", endBeforeExpiry);
    if (endBeforeExpiry.compareTo(startBeforeExpiry) > 0) {
      throw new IllegalArgumentException("endBeforeExpiry (" + endBeforeExpiry
          + ") must not be longer than startBeforeExpiry (" + startBeforeExpiry + ")");
    }
    return renewalAdvice(chain -> Optional.of(
        new RenewalWindow(chain.notAfter().minus(startBeforeExpiry), chain.notAfter().minus(endBeforeExpiry))));
  }

  /** Answers {@link #renewalWindow} with this function. */
  public FakeCertificateAuthority renewalAdvice(Function<CertificateChain, Optional<RenewalWindow>> advice) {
    Objects.requireNonNull(advice, "advice");
    synchronized (lock) {
      renewalAdvice = advice;
    }
    return this;
  }

  // ---- what happened ---------------------------------------------------------------------------

  /** Every order placed, oldest first. */
  public List<FakeOrder> orders() {
    synchronized (lock) {
      return orders.values().stream().map(OrderEntry::snapshot).toList();
    }
  }

  /** The order behind a reference. @throws IllegalArgumentException if this CA never placed it */
  public FakeOrder order(OrderRef order) {
    synchronized (lock) {
      OrderEntry entry = orders.get(order.value());
      if (entry == null || !order.authority().equals(id)) {
        throw new IllegalArgumentException("fake CA " + id + " has no order " + order);
      }
      return entry.snapshot();
    }
  }

  /** The challenges reported ready for the order, in the order they were reported. */
  public List<Challenge> challengesReadied(OrderRef order) {
    synchronized (lock) {
      return List.copyOf(entry(order).readied.values());
    }
  }

  /** How many certificates the CA has signed. */
  public int issuedCount() {
    synchronized (lock) {
      return (int) orders.values().stream().filter(e -> e.issued != null).count();
    }
  }

  /** How many times {@link #submit} was called, duplicates, failures and rejections included. */
  public int submitCount() {
    synchronized (lock) {
      return submitCount;
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "FakeCertificateAuthority[" + id + ", " + orders.size() + " orders]";
    }
  }

  // ---- inside ----------------------------------------------------------------------------------

  private void failIfScripted() {
    if (failuresLeft > 0) {
      failuresLeft--;
      Instant retryAfter = failureRetryAfter == null ? null : clock.instant().plus(failureRetryAfter);
      throw new CaUnavailableException("fake CA unavailable (" + id + ", scripted failure)", retryAfter, null);
    }
  }

  private OrderEntry entry(OrderRef order) {
    Objects.requireNonNull(order, "order");
    OrderEntry entry = order.authority().equals(id) ? orders.get(order.value()) : null;
    if (entry == null) {
      throw new CaRejectedException("unknown order " + order.value() + " at fake CA " + id);
    }
    return entry;
  }

  /** Signs the order's certificate if its validation is over and it was neither refused nor cancelled. */
  private void issueIfValidated(OrderEntry entry) {
    Instant now = clock.instant();
    if (entry.state() != FakeOrder.State.VALIDATING || now.isBefore(Objects.requireNonNull(entry.readyAt))) {
      return;
    }
    Set<Alteration> alterations = EnumSet.noneOf(Alteration.class);
    alterations.addAll(nextAlterations);
    nextAlterations.clear();
    Duration lifetime = alterations.contains(Alteration.SHORT_LIFETIME)
        ? SHORT_LIFETIME : lifetimes.get(entry.validationType());
    entry.issued = issuer.issue(entry.csr, alterations, now, lifetime);
  }

  private List<Challenge> newChallenges(List<String> names) {
    ChallengeType type = Objects.requireNonNull(challengeType);
    List<Challenge> challenges = new ArrayList<>();
    for (String name : names) {
      byte[] bytes = new byte[32];
      random.nextBytes(bytes);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      String domain = name.startsWith("*.") ? name.substring(2) : name;
      challenges.add(new Challenge(
          "challenge-" + (++challengeCount), type, domain, token, token + "." + ACCOUNT_THUMBPRINT));
    }
    return challenges;
  }

  private static void requireNotNegative(String property, Duration value) {
    if (Objects.requireNonNull(value, property).isNegative()) {
      throw new IllegalArgumentException(property + " must not be negative, was " + value);
    }
  }

  private static void requirePositive(String property, Duration value) {
    if (Objects.requireNonNull(value, property).isNegative() || value.isZero()) {
      throw new IllegalArgumentException(property + " must be positive, was " + value);
    }
  }

  /** Builds a {@link FakeCertificateAuthority}. The clock is required; each property is set once. */
  public static final class Builder {
    private String id = "fake";
    private boolean idSet;
    private @Nullable Clock clock;
    private @Nullable Provider provider;

    private Builder() {}

    /** The CA's {@link CertificateAuthority#id()}; {@code fake} by default. */
    public Builder id(String id) {
      requireUnset("id", idSet);
      Objects.requireNonNull(id, "id");
      if (id.isBlank()) {
        throw new IllegalArgumentException("id must not be blank, was '" + id + "'");
      }
      this.id = id;
      idSet = true;
      return this;
    }

    /** Where the CA takes its time from: validation delays, notBefore, retry-after. Required. */
    public Builder clock(Clock clock) {
      requireUnset("clock", this.clock != null);
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The JCA provider that generates and signs; a private BouncyCastle instance by default. */
    public Builder provider(Provider provider) {
      requireUnset("provider", this.provider != null);
      this.provider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * Generates the root and intermediate keys and certificates.
     *
     * @throws IllegalStateException if no clock was set
     */
    public FakeCertificateAuthority build() {
      if (clock == null) {
        throw new IllegalStateException("clock was not set: the fake CA takes all its time from it");
      }
      if (provider == null) {
        provider = new org.bouncycastle.jce.provider.BouncyCastleProvider();
      }
      return new FakeCertificateAuthority(this);
    }

    private static void requireUnset(String property, boolean set) {
      if (set) {
        throw new IllegalStateException(property + " was already set");
      }
    }
  }
}
