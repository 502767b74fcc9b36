package dev.cps.ca.acme;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server in process that serves HTTP-01 tokens, for hosts whose port 80 (or the port the
 * CA validates on) reaches this process. Answers any number of fetches of a token, from several
 * validators at once, until the token is withdrawn; everything else is 404.
 */
public final class Http01Server implements Http01Publisher, AutoCloseable {
  private static final String PREFIX = "/.well-known/acme-challenge/";

  private final Map<String, byte[]> tokens = new ConcurrentHashMap<>();
  private final HttpServer server;
  private final ExecutorService threads;

  private Http01Server(InetSocketAddress address, int threads) throws IOException {
    this.server = HttpServer.create(address, 64);
    AtomicInteger count = new AtomicInteger();
    this.threads = Executors.newFixedThreadPool(threads, runnable -> {
      Thread thread = new Thread(runnable, "cps-http01-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server.createContext("/", this::answer);
    server.setExecutor(this.threads);
    server.start();
  }

  /**
   * Starts serving on {@code address} (port 0 picks a free port) with four threads.
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static Http01Server start(InetSocketAddress address) {
    try {
      return new Http01Server(address, 4);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve HTTP-01 tokens on " + address + ": " + e.getMessage(), e);
    }
  }

  /** Where the server listens. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void publish(String token, String content) {
    tokens.put(Tokens.requireToken(token), content.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void withdraw(String token) {
    tokens.remove(token);
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      byte[] body = path.startsWith(PREFIX) && ("GET".equals(method) || "HEAD".equals(method))
          ? tokens.get(path.substring(PREFIX.length())) : null;
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
      if ("HEAD".equals(method)) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return "Http01Server[" + address() + ", " + tokens.size() + " token(s)]";
  }
}
