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
import dev.cps.spi.RevocationReason;
import dev.cps.spi.ValidationType;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
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

  private final String id;
  private final Clock clock;
  private final Provider provider;
  private final FakeIssuer issuer;
  // One lock for both, so that a call sees the script and the orders in one consistent state.
  private final Object lock = new Object();
  private final CaScript script = new CaScript();
  private final OrderBook orders;

  private FakeCertificateAuthority(Builder builder) {
    this.id = builder.id;
    this.clock = Objects.requireNonNull(builder.clock);
    this.provider = Objects.requireNonNull(builder.provider);
    this.issuer = new FakeIssuer(id, clock.instant(), provider);
    this.orders = new OrderBook(id, clock, issuer, script);
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
    // Verified before taking the lock, so that orders on other threads verify in parallel; a bad
    // CSR is refused only after the scripted failures and rejections, as before.
    CsrContents csr = null;
    CaRejectedException badCsr = null;
    try {
      csr = CsrContents.read(request.csr(), provider);
    } catch (CaRejectedException e) {
      badCsr = e;
    }
    synchronized (lock) {
      orders.countSubmit();
      script.failIfScripted(id, clock);
      String rejection = script.pollRejection();
      if (rejection != null) {
        throw new CaRejectedException(rejection);
      }
      OrderEntry existing = orders.forRequest(request.requestId());
      if (existing != null) {
        return existing.ref;
      }
      if (badCsr != null) {
        throw badCsr;
      }
      return orders.place(request, Objects.requireNonNull(csr));
    }
  }

  @Override
  public OrderStatus status(OrderRef order) {
    signIfValidated(order);
    synchronized (lock) {
      return orders.status(order);
    }
  }

  /**
   * Signs the order's certificate once its validation is over: claimed under the lock, signed
   * outside it, recorded under it again, so that concurrent orders sign in parallel.
   */
  private void signIfValidated(OrderRef order) {
    OrderBook.Signing signing;
    synchronized (lock) {
      script.failIfScripted(id, clock);
      signing = orders.claimSigning(order);
    }
    if (signing == null) {
      return;
    }
    CertificateChain chain = null;
    try {
      chain = orders.sign(signing);
    } finally {
      synchronized (lock) {
        orders.signed(signing, chain);
      }
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
      script.failIfScripted(id, clock);
      orders.challengesReady(order, challenges);
    }
  }

  /**
   * The issued chain, {@code [leaf, intermediate]} unless altered; the root is not included.
   *
   * @throws IllegalStateException if the order is not issued (or was cancelled or refused)
   */
  @Override
  public CertificateChain retrieve(OrderRef order) {
    signIfValidated(order);
    synchronized (lock) {
      return orders.retrieve(order);
    }
  }

  /** Marks the order cancelled: from now on its status is {@code Invalid("cancelled")}. */
  @Override
  public void cancel(OrderRef order) {
    synchronized (lock) {
      script.failIfScripted(id, clock);
      orders.cancel(order);
    }
  }

  /** What {@link #suggestRenewal} or {@link #renewalAdvice} scripted; empty by default. */
  @Override
  public Optional<RenewalWindow> renewalWindow(CertificateChain certificate) {
    Objects.requireNonNull(certificate, "certificate");
    synchronized (lock) {
      script.failIfScripted(id, clock);
      return script.renewalWindow(certificate);
    }
  }

  /**
   * Revokes a certificate this CA issued; {@link #revocations()} lists it.
   *
   * @throws CaRejectedException if this CA did not issue it, or it is revoked already
   */
  @Override
  public void revoke(CertificateChain certificate, RevocationReason reason) {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(reason, "reason");
    synchronized (lock) {
      script.failIfScripted(id, clock);
      orders.revoke(certificate, reason);
    }
  }

  // ---- the script ------------------------------------------------------------------------------

  /**
   * Forgets every order placed so far, as a CA that restarted with an empty database: from now on
   * any call naming one throws {@link dev.cps.spi.OrderLostException}, and a resubmission under the
   * same request id places a new order. {@link #orders()} still lists them.
   */
  public FakeCertificateAuthority forgetOrders() {
    synchronized (lock) {
      orders.forgetAll();
    }
    return this;
  }

  /** How long validation of orders of this type takes, from submission or from challenges ready. */
  public FakeCertificateAuthority validationTime(ValidationType type, Duration time) {
    return scripted(s -> s.validationTime(type, time));
  }

  /** The lifetime of certificates for orders of this type (90 days by default). */
  public FakeCertificateAuthority lifetime(ValidationType type, Duration lifetime) {
    return scripted(s -> s.lifetime(type, lifetime));
  }

  /** The lifetime of certificates for orders of every type. */
  public FakeCertificateAuthority lifetime(Duration lifetime) {
    return scripted(s -> s.lifetimeForAll(lifetime));
  }

  /**
   * Hands DV orders submitted from now on one challenge of each type per name, as alternatives
   * (a wildcard name is offered DNS-01 alone, as at an ACME CA); validation waits until one
   * challenge of every name is reported ready. Without this call, DV orders validate on their own.
   */
  public FakeCertificateAuthority requireChallenges(ChallengeType type, ChallengeType... alternatives) {
    List<ChallengeType> types = new ArrayList<>();
    types.add(Objects.requireNonNull(type, "type"));
    types.addAll(List.of(alternatives));
    return scripted(s -> s.requireChallenges(types));
  }

  /** The next call to {@link #submit} throws {@link CaRejectedException} with this reason. Queues. */
  public FakeCertificateAuthority rejectNext(String reason) {
    return scripted(s -> s.rejectNext(reason));
  }

  /** The next order placed reports {@code Invalid(reason)} when polled. Queues. */
  public FakeCertificateAuthority invalidateNext(String reason) {
    return scripted(s -> s.invalidateNext(reason));
  }

  /** The next {@code times} calls, of any method but {@link #id()}, throw {@link CaUnavailableException}. */
  public FakeCertificateAuthority failNext(int times) {
    return failNext(times, null);
  }

  /** As {@link #failNext(int)}, with {@link CaUnavailableException#retryAfter()} that far from now. */
  public FakeCertificateAuthority failNext(int times, @Nullable Duration retryAfter) {
    return scripted(s -> s.failNext(times, retryAfter));
  }

  /** Applies these alterations to the next certificate the CA signs, and only to that one. */
  public FakeCertificateAuthority alterNext(Alteration... alterations) {
    return scripted(s -> s.alterNext(alterations));
  }

  /**
   * Makes {@link #renewalWindow} suggest renewing between {@code startBeforeExpiry} and
   * {@code endBeforeExpiry} before the certificate's notAfter, as an ACME ARI server would.
   */
  public FakeCertificateAuthority suggestRenewal(Duration startBeforeExpiry, Duration endBeforeExpiry) {
    return scripted(s -> s.suggestRenewal(startBeforeExpiry, endBeforeExpiry));
  }

  /** Answers {@link #renewalWindow} with this function. */
  public FakeCertificateAuthority renewalAdvice(Function<CertificateChain, Optional<RenewalWindow>> advice) {
    return scripted(s -> s.renewalAdvice(advice));
  }

  // ---- what happened ---------------------------------------------------------------------------

  /** Every order placed, oldest first. */
  public List<FakeOrder> orders() {
    synchronized (lock) {
      return orders.snapshots();
    }
  }

  /** The order behind a reference. @throws IllegalArgumentException if this CA never placed it */
  public FakeOrder order(OrderRef order) {
    synchronized (lock) {
      return orders.snapshot(order);
    }
  }

  /** The challenges reported ready for the order, in the order they were reported. */
  public List<Challenge> challengesReadied(OrderRef order) {
    synchronized (lock) {
      return orders.challengesReadied(order);
    }
  }

  /** The serial numbers (hexadecimal) of the certificates revoked, with the reasons given. */
  public Map<String, RevocationReason> revocations() {
    synchronized (lock) {
      return orders.revocations();
    }
  }

  /** How many certificates the CA has signed. */
  public int issuedCount() {
    synchronized (lock) {
      return orders.issuedCount();
    }
  }

  /** How many times {@link #submit} was called, duplicates, failures and rejections included. */
  public int submitCount() {
    synchronized (lock) {
      return orders.submitCount();
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "FakeCertificateAuthority[" + id + ", " + orders.size() + " orders]";
    }
  }

  // ---- inside ----------------------------------------------------------------------------------

  /** Changes the script under the lock, so that a change and the calls it scripts never interleave. */
  private FakeCertificateAuthority scripted(Consumer<CaScript> change) {
    synchronized (lock) {
      change.accept(script);
    }
    return this;
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
