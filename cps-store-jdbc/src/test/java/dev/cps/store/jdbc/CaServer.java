package dev.cps.store.jdbc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The fake CA and the staging and production networks' record, served to provisioner processes
 * on a free port of 127.0.0.1. They live in the test's JVM, so that what the CA issued and what
 * was deployed outlives every provisioner the test kills.
 */
final class CaServer implements AutoCloseable {
  /** A deployment as a network saw it; no key, only whether it belonged to the certificate. */
  record Deployed(String network, EnrollmentId enrollment, String change, CertificateChain chain, boolean keyMatches,
      String node) {}

  final FakeCertificateAuthority ca;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(8);
  private final List<Deployed> deployments = new ArrayList<>();
  private final Map<String, CertificateChain> live = new HashMap<>();
  private final AtomicLong answered = new AtomicLong();
  /** Deployment requests as they arrive, by network and enrollment, before any is held. */
  private final Map<String, Integer> attempts = new HashMap<>();
  /** A host whose first production deployment is held until {@link #letGo}; null for none. */
  private volatile @Nullable String heldHost;
  private final CountDownLatch letGo = new CountDownLatch(1);

  CaServer() {
    this.ca = FakeCertificateAuthority.builder().id("remote-fake").clock(Clock.systemUTC()).build()
        .validationTime(ValidationType.DV, Duration.ZERO);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(threads);
    server.createContext("/submit", exchange -> answer(exchange, () -> submit(read(exchange, Wire.SubmitRequest.class))));
    server.createContext("/status", exchange -> answer(exchange, () -> {
      OrderStatus status = ca.status(order(read(exchange, Wire.OrderReply.class)));
      if (status instanceof OrderStatus.Issued) {
        return new Wire.StatusReply("issued", "");
      }
      return status instanceof OrderStatus.Invalid invalid ? new Wire.StatusReply("invalid", invalid.reason())
          : new Wire.StatusReply("pending", "");
    }));
    server.createContext("/retrieve", exchange -> answer(exchange,
        () -> new Wire.ChainReply(Wire.encode(ca.retrieve(order(read(exchange, Wire.OrderReply.class)))))));
    server.createContext("/cancel", exchange -> answer(exchange, () -> {
      ca.cancel(order(read(exchange, Wire.OrderReply.class)));
      return new Wire.OrderReply("");
    }));
    server.createContext("/deploy", exchange -> answer(exchange, () -> {
      Wire.DeployRequest request = read(exchange, Wire.DeployRequest.class);
      CertificateChain chain = Wire.decode(request.chain());
      int attempt;
      synchronized (deployments) {
        attempt = attempts.merge(request.network() + "/" + request.enrollment(), 1, Integer::sum);
      }
      String held = heldHost;
      if (held != null && attempt == 1 && request.network().equals("production")
          && chain.leaf().getSubjectX500Principal().getName().contains(held)) {
        awaitLetGo();
      }
      synchronized (deployments) {
        deployments.add(new Deployed(request.network(), EnrollmentId.of(request.enrollment()), request.change(), chain,
            request.keyMatches(), request.node()));
        live.put(request.network() + "/" + request.enrollment(), chain);
      }
      return new Wire.OrderReply("");
    }));
    server.createContext("/live", exchange -> answer(exchange, () -> {
      Wire.DeployRequest request = read(exchange, Wire.DeployRequest.class);
      synchronized (deployments) {
        CertificateChain chain = live.get(request.network() + "/" + request.enrollment());
        return new Wire.LiveReply(chain == null ? List.of() : Wire.encode(chain));
      }
    }));
    server.start();
  }

  /** Holds the first production deployment of the host's certificate until {@link #letGo}. */
  void holdFirstProductionDeployment(String host) {
    heldHost = host;
  }

  void letGo() {
    letGo.countDown();
  }

  private void awaitLetGo() {
    try {
      if (!letGo.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the held deployment was never let go");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while holding a deployment", e);
    }
  }

  /** How many deployment requests reached the network for the enrollment, the one held included. */
  int deploymentAttempts(String network, EnrollmentId enrollment) {
    synchronized (deployments) {
      return attempts.getOrDefault(network + "/" + enrollment, 0);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** How many requests (orders, polls, deployments) this server has taken so far. */
  long requests() {
    return answered.get();
  }

  List<Deployed> deployments() {
    synchronized (deployments) {
      return List.copyOf(deployments);
    }
  }

  CertificateChain live(String network, EnrollmentId enrollment) {
    synchronized (deployments) {
      return live.get(network + "/" + enrollment);
    }
  }

  private Wire.OrderReply submit(Wire.SubmitRequest request) {
    EnrollmentRequest enrollment = EnrollmentRequest.builder()
        .commonName(request.commonName())
        .subjectAlternativeNames(request.names())
        .validationType(ValidationType.valueOf(request.validationType()))
        .keyType(request.keyType().startsWith("RSA") ? KeyType.rsa(Integer.parseInt(request.keyType().substring(4)))
            : KeyType.ec(Integer.parseInt(request.keyType().substring(4))))
        .build();
    OrderRef ref = ca.submit(new OrderRequest(request.requestId(),
        new CertificateSigningRequest(Base64.getDecoder().decode(request.csr())), enrollment, null));
    return new Wire.OrderReply(ref.value());
  }

  private OrderRef order(Wire.OrderReply reply) {
    return new OrderRef(ca.id(), reply.order());
  }

  private static <T> T read(HttpExchange exchange, Class<T> type) {
    try {
      return Wire.JSON.readValue(exchange.getRequestBody(), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private interface Handler {
    Object handle();
  }

  private void answer(HttpExchange exchange, Handler handler) throws IOException {
    answered.incrementAndGet();
    int status = 200;
    Object reply;
    try {
      reply = handler.handle();
    } catch (CaUnavailableException e) {
      status = 503;
      reply = new Wire.ErrorReply("unavailable", e.getMessage());
    } catch (CaRejectedException e) {
      status = 422;
      reply = new Wire.ErrorReply("rejected", e.getMessage());
    } catch (RuntimeException e) {
      status = 500;
      reply = new Wire.ErrorReply("error", e.toString());
    }
    byte[] body = Wire.JSON.writeValueAsBytes(reply);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (var out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    letGo();
    server.stop(0);
    threads.shutdownNow();
  }
}
