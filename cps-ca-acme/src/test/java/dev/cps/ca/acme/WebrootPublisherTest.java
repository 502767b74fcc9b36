package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.testkit.contract.ChallengeSolverContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens written as files for a web server that serves the webroot. */
class WebrootPublisherTest extends ChallengeSolverContract {
  @TempDir Path webroot;

  @Override
  protected ChallengeSolver newSolver() {
    return Http01Solver.publishingTo(Http01Publisher.webroot(webroot));
  }

  @Override
  protected boolean isPublished(ChallengeSolver solver, Challenge challenge) {
    Path file = webroot.resolve(challenge.httpPath().substring(1));
    try {
      return Files.exists(file) && Files.readString(file).equals(challenge.httpBody());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The web server, often another user than this process, reads the token file. */
  @Test
  void tokenFilesAreReadableByOthers() throws IOException {
    ChallengeSolver solver = newSolver();
    Challenge challenge = challenge(solver, "r.example.com", "token-r");
    solver.present(challenge);

    Path file = webroot.resolve(challenge.httpPath().substring(1));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
  }

  @Test
  void leavesNoPartialFilesBehind() throws IOException {
    ChallengeSolver solver = newSolver();
    solver.present(challenge(solver, "w.example.com", "token-w"));

    try (var files = Files.list(webroot.resolve(".well-known/acme-challenge"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("token-w");
    }
  }
}
