package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URL;
import java.net.http.HttpTimeoutException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeNotSupportedException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.toolbox.JSON;

/** Which of the server's answers are worth waiting for, and which are final. */
class FailuresTest {

  @ParameterizedTest
  @ValueSource(strings = {"rejectedIdentifier", "unauthorized", "caa", "malformed", "badCSR", "invalidContact"})
  void refusalsArePermanentWithTheProblemDetailAndType(String type) throws Exception {
    RuntimeException translated = Failures.translate("placing an order",
        new AcmeServerException(problem(type, 400, "the CA's own words")));

    assertThat(translated).isInstanceOf(CaRejectedException.class);
    CaRejectedException rejected = (CaRejectedException) translated;
    assertThat(rejected.code()).isEqualTo("urn:ietf:params:acme:error:" + type);
    assertThat(rejected.reason()).contains("the CA's own words", "placing an order");
  }

  @ParameterizedTest
  @ValueSource(strings = {"badNonce", "serverInternal", "orderNotReady"})
  void passingTroubleIsTransient(String type) throws Exception {
    assertThat(Failures.translate("x", new AcmeServerException(problem(type, 400, "later"))))
        .isInstanceOf(CaUnavailableException.class);
  }

  @Test
  void anyServerErrorIsTransient() throws Exception {
    assertThat(Failures.translate("x", new AcmeServerException(problem("somethingNew", 503, "down"))))
        .isInstanceOf(CaUnavailableException.class);
    assertThat(Failures.translate("x", new AcmeException("HTTP 502"))).isInstanceOf(CaUnavailableException.class);
  }

  @Test
  void rateLimitsCarryTheServersRetryAfter() throws Exception {
    Instant retryAfter = Instant.parse("2030-01-01T00:00:00Z");

    RuntimeException translated = Failures.translate("placing an order",
        new AcmeRateLimitedException(problem("rateLimited", 429, "too many orders"), retryAfter, List.of()));

    assertThat(translated).isInstanceOf(CaUnavailableException.class);
    assertThat(((CaUnavailableException) translated).retryAfter()).isEqualTo(retryAfter);
    assertThat(translated.getMessage()).contains("rate limiting", "too many orders");
  }

  /** acme4j refuses, before sending anything, what the server lacks: a profile it does not offer. */
  @Test
  void whatTheServerDoesNotSupportIsPermanent() {
    assertThat(Failures.translate("ordering", new AcmeNotSupportedException("profile")))
        .isInstanceOf(CaRejectedException.class)
        .hasMessageContaining("does not support")
        .hasMessageContaining("profile");
  }

  @Test
  void networkFailuresAreTransientAndSayWhatHappened() {
    assertThat(Failures.translate("x", new AcmeNetworkException(new ConnectException("Connection refused"))))
        .isInstanceOf(CaUnavailableException.class).hasMessageContaining("ConnectException: Connection refused");
    assertThat(Failures.translate("x", new AcmeNetworkException(new HttpTimeoutException("request timed out"))))
        .isInstanceOf(CaUnavailableException.class).hasMessageContaining("HttpTimeoutException");
    assertThat(Failures.translate("x", new AcmeNetworkException(new IOException("reset"))))
        .isInstanceOf(CaUnavailableException.class);
  }

  @Test
  void lostAccountsAndOrdersAreRecognised() throws Exception {
    assertThat(Failures.isProblem(new AcmeServerException(problem("accountDoesNotExist", 400, "gone")),
        "accountDoesNotExist")).isTrue();
    assertThat(Failures.isNotFound(new AcmeServerException(problem("malformed", 404, "no order")))).isTrue();
    assertThat(Failures.isNotFound(new AcmeException("HTTP 404"))).isTrue();
    assertThat(Failures.isNotFound(new AcmeServerException(problem("malformed", 400, "bad")))).isFalse();
  }

  private static Problem problem(String type, int status, String detail) throws Exception {
    String json = "{\"type\":\"urn:ietf:params:acme:error:" + type + "\",\"detail\":\"" + detail + "\",\"status\":"
        + status + "}";
    return new Problem(JSON.parse(json), new URL("https://acme.example/acme/order/1"));
  }
}
