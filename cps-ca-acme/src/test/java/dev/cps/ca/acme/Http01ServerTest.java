package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import dev.cps.testkit.contract.ChallengeSolverContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded HTTP-01 server, as a validator fetches from it. */
class Http01ServerTest extends ChallengeSolverContract {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static Http01Server server;

  @BeforeAll
  static void startServer() {
    server = Http01Server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected ChallengeSolver newSolver() {
    return Http01Solver.publishingTo(server);
  }

  @Override
  protected boolean isPublished(ChallengeSolver solver, Challenge challenge) {
    HttpResponse<String> response = fetch(challenge.httpPath());
    return response.statusCode() == 200 && response.body().equals(challenge.httpBody());
  }

  @Test
  void answersManyConcurrentFetchesOfOneToken() {
    Challenge challenge = challenge(newSolver(), "busy.example.com", "busy-token_0123456789");
    newSolver().present(challenge);
    List<CompletableFuture<HttpResponse<String>>> fetches = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      fetches.add(CLIENT.sendAsync(request(challenge.httpPath()), HttpResponse.BodyHandlers.ofString()));
    }

    List<HttpResponse<String>> responses = fetches.stream().map(CompletableFuture::join).toList();

    assertThat(responses).hasSize(40).allSatisfy(r -> {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(challenge.keyAuthorization());
    });
  }

  @Test
  void servesNothingElse() {
    assertThat(fetch("/").statusCode()).isEqualTo(404);
    assertThat(fetch("/.well-known/acme-challenge/unknown").statusCode()).isEqualTo(404);
  }

  @Test
  void refusesWhatIsNotAnHttpChallengeOrAToken() {
    ChallengeSolver solver = newSolver();
    assertThatThrownBy(() -> solver.present(new Challenge("c", "a", ChallengeType.DNS_01, "x.example.com", "tok",
        "tok.thumb"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DNS_01");
    assertThatThrownBy(() -> solver.present(new Challenge("c", "a", ChallengeType.HTTP_01, "x.example.com",
        "../etc/passwd", "x"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("../etc/passwd");
  }

  private static HttpResponse<String> fetch(String path) {
    try {
      return CLIENT.send(request(path), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path)).build();
  }
}
