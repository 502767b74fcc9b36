package dev.cps.ca.acme;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.Challenge;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.OrderLostException;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.RenewalWindow;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.ValidationType;
import dev.cps.spi.Violation;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Certificate;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.OrderBuilder;
import org.shredzone.acme4j.RenewalInfo;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.connector.Resource;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeProtocolException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.toolbox.JSONBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The ACME certificate authority; see {@link AcmeCertificateAuthority}. */
final class AcmeAuthority implements AcmeCertificateAuthority {
  private static final Logger log = LoggerFactory.getLogger(AcmeAuthority.class);
  private static final int REMEMBERED = 10_000;
  /**
   * How long after its challenges were answered an order is first finalized: a CA that validates
   * while it answers is done by then (Pebble under load took a few milliseconds).
   */
  static final Duration VALIDATION_HEAD_START = Duration.ofMillis(10);
  /** Retry-After instants are wall-clock instants, whatever clock the provisioner runs on. */
  private static final Clock WALL = Clock.systemUTC();

  private final AcmeSettings settings;
  private final AcmeAccount account;
  private final OrderProgress progress;
  /** requestId to order URL: a second submit of one change in this process finds its order. */
  private final Recent<String, String> ordersByRequest = new Recent<>(REMEMBERED);
  /** Order URL to the CSR it was submitted with, for the one-argument status. */
  private final Recent<String, byte[]> csrs = new Recent<>(REMEMBERED);
  /** The challenges of an order last handed out (their URLs) and the names (authorization URLs) they answer. */
  private record HandedOut(Set<String> challenges, Set<String> authorizations) {}

  /** Order URL to what was last handed out, to check what challengesReady is given. */
  private final Recent<String, HandedOut> handedOut = new Recent<>(REMEMBERED);
  /** Order URL to its certificate URL, saving a read of the order on retrieval. */
  private final Recent<String, URL> certificates = new Recent<>(REMEMBERED);
  /** Order URL to its authorizations, from the new-order answer: the first status need not read the order. */
  private final Recent<String, List<URL>> placed = new Recent<>(REMEMBERED);
  /** Order URL to its finalization URL, from the new-order answer. */
  private final Recent<String, URL> finalizeLocations = new Recent<>(REMEMBERED);
  /** Orders all of whose challenges this process answered and that were not read since: when (nanoTime). */
  private final Recent<String, Long> answered = new Recent<>(REMEMBERED);

  AcmeAuthority(AcmeSettings settings) {
    this.settings = settings;
    this.account = new AcmeAccount(settings);
    this.progress = new OrderProgress(settings.polling());
  }

  @Override
  public String id() {
    return settings.id();
  }

  @Override
  public URI directory() {
    return settings.directory();
  }

  /** An ACME CA validates control of names only: it cannot issue OV or EV. */
  @Override
  public List<Violation> check(EnrollmentRequest request) {
    if (request.validationType() != ValidationType.DV) {
      return List.of(new Violation("validationType", request.validationType().name(),
          "an ACME CA (" + id() + ") issues DV certificates only"));
    }
    return List.of();
  }

  @Override
  public OrderRef submit(OrderRequest request) {
    if (request.enrollment().validationType() != ValidationType.DV) {
      throw new CaRejectedException("an ACME CA issues DV certificates only; the enrollment asks for "
          + request.enrollment().validationType());
    }
    String known = ordersByRequest.get(request.requestId());
    if (known != null) {
      return new OrderRef(id(), known);
    }
    List<String> names = request.enrollment().names();
    Order placedOrder = asAccount("placing an order for " + names, login -> place(login, request, names));
    String order = placedOrder.getLocation().toString();
    placed.put(order, placedOrder.getAuthorizations().stream().map(Authorization::getLocation).toList());
    finalizeLocations.put(order, placedOrder.getFinalizeLocation());
    ordersByRequest.put(request.requestId(), order);
    csrs.put(order, request.csr().der());
    log.debug("Order {} placed for {} (request {})", order, names, request.requestId());
    return new OrderRef(id(), order);
  }

  private Order place(Login login, OrderRequest request, List<String> names) throws AcmeException {
    CertificateChain replaces = request.replaces();
    boolean linked = replaces != null
        && login.getSession().resourceUrlOptional(Resource.RENEWAL_INFO).isPresent();
    try {
      OrderBuilder order = newOrder(login, names);
      if (linked) {
        order.replaces(replaces.leaf());
      }
      return order.create();
    } catch (AcmeServerException e) {
      if (!linked || !Failures.isProblem(e, "alreadyReplaced")) {
        throw e;
      }
      log.info("Certificate {} was already replaced at {}; ordering without 'replaces'", replaces.serialNumber(),
          settings.directory());
      return newOrder(login, names).create();
    }
  }

  private OrderBuilder newOrder(Login login, List<String> names) {
    OrderBuilder order = login.newOrder().domains(names);
    if (settings.profile() != null) {
      order.profile(settings.profile());
    }
    return order;
  }

  @Override
  public OrderStatus status(OrderRef order) {
    return status(order, csrs.get(order.value()));
  }

  @Override
  public OrderStatus status(OrderRef order, OrderRequest request) {
    return status(order, request.csr().der());
  }

  private OrderStatus status(OrderRef order, byte @Nullable [] csr) {
    URL location = location(order);
    List<URL> authorizations = placed.remove(order.value());
    Long answeredAt = answered.get(order.value());
    if (answeredAt != null && authorizations == null && csr != null && progress.finalizesAtOnce()) {
      long early = VALIDATION_HEAD_START.toNanos() - (System.nanoTime() - answeredAt);
      if (early > 0) {
        // Finalizing this soon would likely meet a CA still validating: the engine gets on with
        // other changes meanwhile and comes back when the head start is over.
        return new OrderStatus.Pending(List.of(), WALL.instant().plusNanos(early));
      }
    }
    URL finalizeLocation = answered.remove(order.value()) != null ? finalizeLocations.get(order.value()) : null;
    // The progress borrows a session for each look at the order, none while it waits between them.
    OrderProgress.Progress now = forOrderBorrowing(order, "reading order " + order.value(), () -> {
      if (authorizations != null) {
        return progress.advanceNew(account, location, authorizations, csr);
      }
      if (finalizeLocation != null && csr != null) {
        return progress.advanceAnswered(account, location, finalizeLocation, csr);
      }
      return progress.advance(account, location, csr);
    });
    OrderStatus status = now.status();
    if (status instanceof OrderStatus.Issued && now.certificate() != null) {
      certificates.put(order.value(), now.certificate());
      handedOut.remove(order.value());
      finalizeLocations.remove(order.value());
    } else if (status instanceof OrderStatus.Invalid) {
      forget(order);
    } else if (status instanceof OrderStatus.Pending pending && !pending.challenges().isEmpty()) {
      handedOut.put(order.value(), new HandedOut(
          pending.challenges().stream().map(Challenge::id).collect(Collectors.toSet()),
          pending.challenges().stream().map(Challenge::authorization).collect(Collectors.toSet())));
    }
    return status;
  }

  @Override
  public void challengesReady(OrderRef order, List<Challenge> challenges) {
    URL location = location(order);
    HandedOut known = handedOut.get(order.value());
    forOrder(order, "answering the challenges of order " + order.value(), login -> {
      Set<String> offered = known != null ? known.challenges() : offered(login, location);
      for (Challenge challenge : challenges) {
        if (!offered.contains(challenge.id())) {
          throw new IllegalArgumentException("challenge " + challenge.id() + " is not one of order " + order.value());
        }
      }
      for (Challenge challenge : challenges) {
        trigger(login, challenge);
      }
      if (known != null && challenges.stream().map(Challenge::authorization).collect(Collectors.toSet())
          .containsAll(known.authorizations())) {
        answered.put(order.value(), System.nanoTime());
      }
      return null;
    });
  }

  private static Set<String> offered(Login login, URL order) {
    Set<String> offered = new HashSet<>();
    for (Authorization authorization : login.bindOrder(order).getAuthorizations()) {
      authorization.getChallenges().forEach(c -> offered.add(c.getLocation().toString()));
    }
    return offered;
  }

  /**
   * Answers a challenge from what the engine stored, without reading it first. A second answer
   * (a retry after a crash) is refused by the server; that is fine once the challenge has moved on.
   */
  private static void trigger(Login login, Challenge challenge) throws AcmeException {
    org.shredzone.acme4j.challenge.Challenge answer = login.createChallenge(new JSONBuilder()
        .put("type", OrderProgress.acmeName(challenge.type()))
        .put("url", challenge.id())
        .put("status", "pending")
        .put("token", challenge.token())
        .toJSON());
    try {
      answer.trigger();
    } catch (AcmeServerException refused) {
      org.shredzone.acme4j.challenge.Challenge current = login.bindChallenge(url(challenge.id()));
      if (current.getStatus() == Status.PENDING) {
        throw refused;
      }
      log.debug("Challenge {} was answered before; it is {}", challenge.id(), current.getStatus());
    }
  }

  @Override
  public CertificateChain retrieve(OrderRef order) {
    URL location = location(order);
    URL remembered = certificates.get(order.value());
    CertificateChain chain = forOrder(order, "downloading the certificate of order " + order.value(), login -> {
      URL certificateUrl = remembered != null ? remembered : certificateOf(login, order, location);
      Certificate certificate = login.bindCertificate(certificateUrl);
      certificate.download();
      String preferred = settings.preferredChain();
      if (preferred != null) {
        Optional<Certificate> chosen = PreferredChains.issuedBy(certificate, preferred);
        if (chosen.isEmpty()) {
          log.info("No chain of order {} is issued by '{}'; using the default chain", order.value(), preferred);
        }
        certificate = chosen.orElse(certificate);
      }
      return new CertificateChain(certificate.getCertificateChain());
    });
    forget(order);
    return chain;
  }

  private static URL certificateOf(Login login, OrderRef ref, URL location) throws AcmeException {
    Order order = login.bindOrder(location);
    order.fetch();
    if (order.getStatus() != Status.VALID) {
      throw new IllegalStateException("order " + ref.value() + " is " + order.getStatus() + ", not issued");
    }
    return order.getCertificate().getLocation();
  }

  /** ACME cannot withdraw an order; deactivating its pending authorizations makes it invalid. */
  @Override
  public void cancel(OrderRef order) {
    URL location = location(order);
    try {
      forOrder(order, "cancelling order " + order.value(), login -> {
        for (Authorization authorization : login.bindOrder(location).getAuthorizations()) {
          if (authorization.getStatus() == Status.PENDING) {
            authorization.deactivate();
          }
        }
        return null;
      });
    } catch (RuntimeException e) {
      log.info("Cancelling order {} at {} failed (best effort): {}", order.value(), settings.directory(), e.toString());
    } finally {
      forget(order);
    }
  }

  @Override
  public Optional<RenewalWindow> renewalWindow(CertificateChain certificate) {
    String doing = "reading the renewal information of certificate " + certificate.serialNumber();
    boolean offered = call(doing, () -> account.withSession(
        session -> session.resourceUrlOptional(Resource.RENEWAL_INFO).isPresent()));
    if (!offered) {
      return Optional.empty();
    }
    return asAccount(doing, login -> {
      RenewalInfo info = login.bindRenewalInfo(certificate.leaf());
      Instant checkAgainAt = info.fetch().orElse(null);
      return Optional.of(
          new RenewalWindow(info.getSuggestedWindowStart(), info.getSuggestedWindowEnd(), checkAgainAt));
    });
  }

  @Override
  public void revoke(CertificateChain certificate, RevocationReason reason) {
    asAccount("revoking certificate " + certificate.serialNumber(), login -> {
      Certificate.revoke(login, certificate.leaf(), org.shredzone.acme4j.RevocationReason.code(reason.code()));
      return null;
    });
    log.info("Certificate {} revoked at {} ({})", certificate.serialNumber(), settings.directory(), reason);
  }

  /** A call that needs no order: after the server forgot the account, it is registered again once. */
  private <T> T asAccount(String doing, AcmeAccount.LoginCall<T> call) {
    try {
      return account.withLogin(call);
    } catch (AcmeException | AcmeLazyLoadingException | AcmeProtocolException e) {
      if (!Failures.isProblem(e, "accountDoesNotExist")) {
        throw Failures.translate(doing, e);
      }
    }
    return call(doing, () -> account.withLogin(call));
  }

  /** A call about an order: an order the server no longer knows, or whose account it forgot, is lost. */
  private <T> T forOrder(OrderRef order, String doing, AcmeAccount.LoginCall<T> call) {
    return forOrderBorrowing(order, doing, () -> account.withLogin(call));
  }

  /** Like {@link #forOrder}, for a call that borrows the account's sessions itself. */
  private <T> T forOrderBorrowing(OrderRef order, String doing, Call<T> call) {
    try {
      return call.run();
    } catch (AcmeException | AcmeLazyLoadingException | AcmeProtocolException e) {
      if (Failures.isProblem(e, "accountDoesNotExist")) {
        throw lost(order, "the ACME server no longer knows the account the order was placed with", e);
      }
      if (Failures.isNotFound(e)) {
        throw lost(order, "the ACME server no longer knows the order", e);
      }
      throw Failures.translate(doing, e);
    }
  }

  private interface Call<T> {
    T run() throws AcmeException;
  }

  private static <T> T call(String doing, Call<T> call) {
    try {
      return call.run();
    } catch (AcmeException | AcmeLazyLoadingException | AcmeProtocolException e) {
      throw Failures.translate(doing, e);
    }
  }

  private OrderLostException lost(OrderRef order, String detail, Throwable cause) {
    forget(order);
    ordersByRequest.removeValue(order.value());
    log.warn("Order {} is lost: {}", order.value(), detail);
    return new OrderLostException(order, detail + " (" + Failures.unwrap(cause).getMessage() + ")", cause);
  }

  private void forget(OrderRef order) {
    placed.remove(order.value());
    csrs.remove(order.value());
    handedOut.remove(order.value());
    certificates.remove(order.value());
    finalizeLocations.remove(order.value());
    answered.remove(order.value());
  }

  private URL location(OrderRef order) {
    if (!order.authority().equals(id())) {
      throw new CaRejectedException("order " + order.value() + " belongs to CA '" + order.authority() + "', not '"
          + id() + "'");
    }
    try {
      return url(order.value());
    } catch (IllegalArgumentException e) {
      throw new CaRejectedException("order reference '" + order.value() + "' is not an ACME order URL");
    }
  }

  private static URL url(String value) {
    try {
      URI uri = URI.create(value);
      if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
        throw new IllegalArgumentException("not an http(s) URL: " + value);
      }
      return uri.toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("not a URL: " + value, e);
    }
  }

  @Override
  public String toString() {
    return "AcmeCertificateAuthority[id=" + id() + ", directory=" + settings.directory() + "]";
  }
}
