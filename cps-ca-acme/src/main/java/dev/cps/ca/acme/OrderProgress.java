package dev.cps.ca.acme;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.OrderStatus;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Dns01Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.challenge.TokenChallenge;
import org.shredzone.acme4j.connector.Connection;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.toolbox.JSON;
import org.shredzone.acme4j.toolbox.JSONBuilder;

/**
 * Moves one order as far as it goes in one call: reads it, hands out the challenges of names not
 * answered yet, finalizes it with the CSR when it is ready, and waits briefly (our own backoff, the
 * server's Retry-After first) while the server validates or signs. Each look at the order borrows
 * one of the account's sessions and gives it back before the wait.
 */
final class OrderProgress {
  /** The server's Retry-After is a wall-clock instant, whatever clock the provisioner runs on. */
  private static final Clock WALL = Clock.systemUTC();

  /**
   * Where the order stands after the call.
   *
   * @param certificate where the chain can be downloaded, once issued
   */
  record Progress(OrderStatus status, @Nullable URL certificate) {}

  private final AcmePolling polling;
  private final FinalizeOptimism optimism = new FinalizeOptimism();

  OrderProgress(AcmePolling polling) {
    this.polling = polling;
  }

  /** Whether an order whose challenges were all answered is finalized at once, without a read. */
  boolean finalizesAtOnce() {
    return optimism.worthTrying();
  }

  /**
   * For an order whose challenges were all answered by this process just now: finalizes at once,
   * without reading the order first, when {@link FinalizeOptimism} says it is worth it. A server
   * that is not done validating answers {@code orderNotReady}, and the order is then read and
   * polled as usual.
   */
  Progress advanceAnswered(AcmeAccount account, URL location, URL finalizeLocation, byte[] csr)
      throws AcmeException {
    if (!optimism.worthTrying()) {
      return advance(account, location, csr, false, true);
    }
    Finalized answer;
    try {
      answer = account.withLogin(login -> finalizeOrder(login, finalizeLocation, csr));
    } catch (AcmeServerException e) {
      if (!Failures.isProblem(e, "orderNotReady")) {
        throw e;
      }
      optimism.tried(false);
      return advance(account, location, csr);
    }
    optimism.tried(true);
    if (answer.status() == Status.VALID && answer.certificate() != null) {
      return new Progress(new OrderStatus.Issued(), answer.certificate());
    }
    if (answer.retryAfter() != null && answer.retryAfter().isAfter(WALL.instant())) {
      return pending(List.of(), answer.retryAfter());
    }
    return advance(account, location, csr, true, false);
  }

  /**
   * Like {@link #advance}, for an order just placed whose authorizations are known from the answer
   * to the new-order request: reads them without reading the order again.
   */
  Progress advanceNew(AcmeAccount account, URL location, List<URL> authorizations, byte @Nullable [] csr)
      throws AcmeException {
    List<Challenge> open = account.withLogin(
        login -> openChallenges(authorizations.stream().map(login::bindAuthorization).toList()));
    if (!open.isEmpty()) {
      return pending(open, null);
    }
    return advance(account, location, csr);
  }

  Progress advance(AcmeAccount account, URL location, byte @Nullable [] csr) throws AcmeException {
    return advance(account, location, csr, false, false);
  }

  /**
   * Looks at the order, each time under a session borrowed for that look alone, until it is done
   * with or a wait would pass the time one call may take: a session is not held while the call
   * waits, so that a few sessions serve many orders being validated at once.
   *
   * @param finalized whether the order was finalized already
   * @param learning whether the challenges were just answered and finalizing at once was not tried:
   *     an order found ready at the first read says it would have paid off
   */
  private Progress advance(AcmeAccount account, URL location, byte @Nullable [] csr, boolean finalized,
      boolean learning) throws AcmeException {
    Look look = new Look(location, csr, finalized, learning);
    long deadline = System.nanoTime() + polling.inCall().toNanos();
    for (int attempt = 0; ; attempt++) {
      Progress done = account.withLogin(look::take);
      if (done != null) {
        return done;
      }
      Duration wait = wait(attempt, look.retryAfter);
      if (System.nanoTime() + wait.toNanos() > deadline || !sleep(wait)) {
        return pending(List.of(), look.retryAfter);
      }
    }
  }

  /** What one call learned of its order so far, carried from one look to the next. */
  private final class Look {
    private final URL location;
    private final byte @Nullable [] csr;
    private boolean finalized;
    private boolean learning;
    private boolean allAnswered;
    private @Nullable Instant retryAfter;

    Look(URL location, byte @Nullable [] csr, boolean finalized, boolean learning) {
      this.location = location;
      this.csr = csr;
      this.finalized = finalized;
      this.learning = learning;
    }

    /**
     * Reads the order and moves it on where it can (finalizing it when ready).
     *
     * @return where the order stands, or null if it is worth waiting and looking again
     */
    @Nullable Progress take(Login login) throws AcmeException {
      Order order = login.bindOrder(location);
      retryAfter = order.fetch().orElse(null);
      if (learning && EnumSet.of(Status.READY, Status.PROCESSING, Status.VALID).contains(order.getStatus())) {
        optimism.wouldHaveWorked();
      }
      learning = false;
      while (true) {
        Status status = order.getStatus();
        switch (status) {
          case VALID:
            return new Progress(new OrderStatus.Issued(), order.getCertificate().getLocation());
          case INVALID:
            return new Progress(new OrderStatus.Invalid(reason(order)), null);
          case READY:
            if (csr == null) {
              return pending(List.of(), retryAfter);
            }
            if (!finalized) {
              Finalized answer = finalizeOrder(login, order.getFinalizeLocation(), csr);
              finalized = true;
              if (answer.status() == Status.VALID && answer.certificate() != null) {
                return new Progress(new OrderStatus.Issued(), answer.certificate());
              }
              // A server still signing usually finishes within milliseconds: look again at once,
              // unless it asked for a pause.
              if (answer.retryAfter() == null || !answer.retryAfter().isAfter(WALL.instant())) {
                retryAfter = order.fetch().orElse(null);
                continue;
              }
              retryAfter = answer.retryAfter();
            }
            return null;
          case PENDING:
            if (!allAnswered) {
              List<Challenge> open = openChallenges(order.getAuthorizations());
              if (!open.isEmpty()) {
                return pending(open, retryAfter);
              }
              allAnswered = true;
            }
            return null;
          case PROCESSING:
            return null;
          default:
            return new Progress(new OrderStatus.Invalid("the order is " + status.name().toLowerCase()), null);
        }
      }
    }
  }

  /** What the server answered to the finalization: the order as it is now (RFC 8555 7.4). */
  private record Finalized(Status status, @Nullable URL certificate, @Nullable Instant retryAfter) {}

  /**
   * Finalizes through acme4j's connection rather than {@code Order.execute}, which drops the
   * answer: the answer is the order itself, so a server that signs at once needs no second read,
   * and one still signing says when to look again.
   */
  private static Finalized finalizeOrder(Login login, URL finalizeLocation, byte[] csr) throws AcmeException {
    try (Connection connection = login.getSession().connect()) {
      JSONBuilder claims = new JSONBuilder();
      claims.putBase64("csr", csr);
      connection.sendSignedRequest(finalizeLocation, claims, login);
      JSON answer = connection.readJsonResponse();
      Instant retryAfter = connection.getRetryAfter().orElse(null);
      Status status = answer.get("status").asStatus();
      URL certificate = answer.get("certificate").optional().map(JSON.Value::asURL).orElse(null);
      return new Finalized(status, certificate, retryAfter);
    }
  }

  /** Our backoff, but never before the server's Retry-After. */
  private Duration wait(int attempt, @Nullable Instant retryAfter) {
    Duration wait = polling.delay(attempt);
    if (retryAfter != null) {
      Duration asked = Duration.between(WALL.instant(), retryAfter);
      if (asked.compareTo(wait) > 0) {
        wait = asked;
      }
    }
    return wait;
  }

  private static boolean sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Progress pending(List<Challenge> challenges, @Nullable Instant retryAfter) {
    return new Progress(new OrderStatus.Pending(challenges, retryAfter), null);
  }

  /**
   * Every challenge of each authorization the server still waits on and none of whose challenges
   * was answered yet: the engine picks one per name.
   */
  static List<Challenge> openChallenges(List<Authorization> authorizations) {
    List<Challenge> open = new ArrayList<>();
    for (Authorization authorization : authorizations) {
      if (authorization.getStatus() != Status.PENDING) {
        continue;
      }
      List<org.shredzone.acme4j.challenge.Challenge> offered = authorization.getChallenges();
      boolean answered = offered.stream()
          .anyMatch(c -> c.getStatus() == Status.PROCESSING || c.getStatus() == Status.VALID);
      if (answered) {
        continue;
      }
      String domain = authorization.getIdentifier().getDomain();
      for (org.shredzone.acme4j.challenge.Challenge challenge : offered) {
        Optional<ChallengeType> type = typeOf(challenge);
        if (type.isPresent() && challenge instanceof TokenChallenge token) {
          open.add(new Challenge(challenge.getLocation().toString(), authorization.getLocation().toString(),
              type.get(), domain, challenge.getJSON().get("token").asString(), token.getAuthorization()));
        }
      }
    }
    return open;
  }

  static Optional<ChallengeType> typeOf(org.shredzone.acme4j.challenge.Challenge challenge) {
    return acmeType(challenge.getType());
  }

  static Optional<ChallengeType> acmeType(String type) {
    return switch (type) {
      case Http01Challenge.TYPE -> Optional.of(ChallengeType.HTTP_01);
      case Dns01Challenge.TYPE -> Optional.of(ChallengeType.DNS_01);
      case TlsAlpn01Challenge.TYPE -> Optional.of(ChallengeType.TLS_ALPN_01);
      default -> Optional.empty();
    };
  }

  static String acmeName(ChallengeType type) {
    return switch (type) {
      case HTTP_01 -> Http01Challenge.TYPE;
      case DNS_01 -> Dns01Challenge.TYPE;
      case TLS_ALPN_01 -> TlsAlpn01Challenge.TYPE;
    };
  }

  /** The CA's reason for an invalid order: its own problem, and each failed name's. */
  static String reason(Order order) {
    List<String> reasons = new ArrayList<>();
    order.getError().ifPresent(problem -> reasons.add(Failures.describe(problem)));
    for (Authorization authorization : order.getAuthorizations()) {
      if (authorization.getStatus() != Status.INVALID) {
        continue;
      }
      String name = authorization.getIdentifier().getValue();
      boolean explained = false;
      for (org.shredzone.acme4j.challenge.Challenge challenge : authorization.getChallenges()) {
        if (challenge.getError().isPresent()) {
          reasons.add(name + " (" + challenge.getType() + "): " + Failures.describe(challenge.getError().get()));
          explained = true;
        }
      }
      if (!explained) {
        reasons.add(name + ": authorization invalid");
      }
    }
    return reasons.isEmpty() ? "the order is invalid" : String.join("; ", reasons);
  }
}
