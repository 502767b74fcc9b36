package dev.cps.ca.acme;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeNotSupportedException;
import org.shredzone.acme4j.exception.AcmeProtocolException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.toolbox.JSON;

/**
 * Turns acme4j's failures into the SPI's: what waiting can cure is {@link CaUnavailableException}
 * (with the server's Retry-After when it sent one), what the server refused for good is {@link
 * CaRejectedException} with its problem detail and type.
 */
final class Failures {
  static final String ERROR = "urn:ietf:params:acme:error:";
  /** Problems that go away by themselves. badNonce only arrives here after acme4j's own ten tries. */
  private static final Set<String> TRANSIENT = Set.of("badNonce", "serverInternal", "orderNotReady", "rateLimited");

  private Failures() {}

  /** The acme4j failure inside a lazy-loading wrapper, or the failure itself. */
  static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while (current instanceof AcmeLazyLoadingException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** Whether the server answered with this ACME error type, such as {@code accountDoesNotExist}. */
  static boolean isProblem(Throwable failure, String type) {
    return unwrap(failure) instanceof AcmeServerException server
        && (ERROR + type).equals(server.getType().toString());
  }

  /** Whether the server said it does not know the resource (HTTP 404 in the problem document). */
  static boolean isNotFound(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof AcmeServerException server) {
      return status(server.getProblem()).orElse(0) == 404;
    }
    // Without a problem document acme4j says only "HTTP <status>" (Pebble answers a lost order so).
    return cause instanceof AcmeException && "HTTP 404".equals(cause.getMessage());
  }

  static RuntimeException translate(String doing, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof AcmeRateLimitedException limited) {
      return new CaUnavailableException("the ACME server is rate limiting " + doing + ": "
          + describe(limited.getProblem()), limited.getRetryAfter().orElse(null), cause);
    }
    if (cause instanceof AcmeServerException server) {
      Problem problem = server.getProblem();
      String type = server.getType().toString();
      String shortType = type.startsWith(ERROR) ? type.substring(ERROR.length()) : type;
      if (TRANSIENT.contains(shortType) || status(problem).orElse(0) >= 500) {
        return new CaUnavailableException("the ACME server failed " + doing + ": " + describe(problem), null, cause);
      }
      return new CaRejectedException(problem.toString() + " (" + doing + ")", type, cause);
    }
    if (cause instanceof AcmeNetworkException) {
      return new CaUnavailableException("cannot reach the ACME server " + doing + ": " + rootMessage(cause), null,
          cause);
    }
    if (cause instanceof AcmeNotSupportedException unsupported) {
      // acme4j's own refusal, before anything is sent: the server lacks what the settings ask for
      // (a profile, for one). Asking again cannot help.
      return new CaRejectedException("the ACME server does not support what " + doing + " asks: "
          + unsupported.getMessage(), null, cause);
    }
    if (cause instanceof AcmeProtocolException) {
      return new CaUnavailableException("unexpected answer from the ACME server " + doing + ": "
          + cause.getMessage(), null, cause);
    }
    if (cause instanceof AcmeException) {
      return new CaUnavailableException("the ACME server failed " + doing + ": " + rootMessage(cause), null, cause);
    }
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    return new IllegalStateException(doing + " failed", cause);
  }

  /** A problem as a person reads it: the detail, the sub-problems, and the type. */
  static String describe(Problem problem) {
    return problem.toString() + " [" + problem.getType() + "]";
  }

  private static Optional<Integer> status(Problem problem) {
    JSON.Value status = problem.asJSON().get("status");
    return status.isPresent() ? Optional.of(status.asInt()) : Optional.empty();
  }

  /** The first cause that is not acme4j's own wrapper: a ConnectException, an HttpTimeoutException. */
  private static String rootMessage(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof AcmeException && cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    @Nullable String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
