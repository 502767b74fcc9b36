package dev.cps.ca.acme;

import java.nio.file.Path;

/**
 * Serves HTTP-01 tokens: whatever answers {@code http://<name>/.well-known/acme-challenge/<token>}
 * with the key authorization. {@link Http01Server} is one in process; {@link #webroot(Path)} writes
 * files for a web server that already serves the names; a host may publish to its own fleet.
 */
public interface Http01Publisher {

  /** Serves {@code content} at {@code /.well-known/acme-challenge/<token>} until withdrawn. */
  void publish(String token, String content);

  /** Stops serving the token; nothing happens if it is not served. */
  void withdraw(String token);

  /**
   * Writes each token as a file under {@code <webroot>/.well-known/acme-challenge/}, for a web server
   * that serves that directory for every name.
   */
  static Http01Publisher webroot(Path webroot) {
    return new WebrootPublisher(webroot);
  }
}
