package dev.cps.benchmarks;

import dev.cps.ca.acme.AcmePolling;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.Security;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.AbstractAcmeProvider;
import org.shredzone.acme4j.util.CSRBuilder;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * The baseline: certificates straight from acme4j, as a program without CPS would get them. One
 * Session per worker, the same short-backoff polling as the CA adapter ({@link AcmePolling}),
 * nothing stored: key, order, answer each challenge, wait until ready, finalize, wait until valid,
 * download.
 */
final class BareAcmeLoop {
  private final URI directory;
  private final TrustingProvider provider;
  private final AcmePolling polling;
  private final KeyPair accountKey;
  private final URL account;
  private final Clock clock;

  BareAcmeLoop(BenchPebble pebble, AcmePolling polling, Clock clock) {
    this.clock = clock;
    this.directory = pebble.directory();
    this.provider = new TrustingProvider(directory, pebble.sslContext());
    this.polling = polling;
    // acme4j's KeyPairUtils and CSRBuilder ask for the provider named BC, as its documentation says to add.
    if (Security.getProvider("BC") == null) {
      Security.addProvider(new BouncyCastleProvider());
    }
    this.accountKey = KeyPairUtils.createECKeyPair("secp256r1");
    try {
      this.account = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey)
          .createLogin(new Session(directory, provider)).getAccountLocation();
    } catch (AcmeException e) {
      throw new IllegalStateException("cannot register the bare loop's account", e);
    }
  }

  /** Issues a certificate for each name with {@code workers} threads; returns the wall time. */
  long run(List<String> names, int workers) {
    AtomicInteger next = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(workers);
    try {
      long start = System.nanoTime();
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < workers; t++) {
        running.add(threads.submit(() -> {
          Login login = new Session(directory, provider).login(account, accountKey);
          for (int i = next.getAndIncrement(); i < names.size(); i = next.getAndIncrement()) {
            issue(login, names.get(i));
          }
          return null;
        }));
      }
      for (Future<?> worker : running) {
        worker.get();
      }
      return System.nanoTime() - start;
    } catch (Exception e) {
      throw new IllegalStateException("the bare acme4j loop failed", e);
    } finally {
      threads.shutdownNow();
    }
  }

  private void issue(Login login, String name) throws AcmeException, IOException, InterruptedException {
    KeyPair domainKey = KeyPairUtils.createECKeyPair("secp256r1");
    Order order = login.newOrder().domain(name).create();
    for (Authorization authorization : order.getAuthorizations()) {
      if (authorization.getStatus() == Status.PENDING) {
        authorization.findChallenge(Http01Challenge.class).orElseThrow().trigger();
      }
    }
    await(order, Set.of(Status.READY));
    CSRBuilder csr = new CSRBuilder();
    csr.addDomain(name);
    csr.sign(domainKey);
    order.execute(csr.getEncoded());
    await(order, Set.of(Status.VALID));
    if (order.getCertificate().getCertificateChain().isEmpty()) {
      throw new IllegalStateException("no certificate for " + name);
    }
  }

  /** Our backoff, never before the server's Retry-After; no acme4j sleeping helper. */
  private void await(Order order, Set<Status> wanted) throws AcmeException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      Instant retryAfter = order.fetch().orElse(null);
      Status status = order.getStatus();
      if (wanted.contains(status)) {
        return;
      }
      if (status == Status.INVALID) {
        throw new IllegalStateException("order " + order.getLocation() + " is invalid: " + order.getError());
      }
      Duration wait = polling.delay(attempt);
      Duration untilRetryAfter = retryAfter == null ? Duration.ZERO : Duration.between(clock.instant(), retryAfter);
      if (untilRetryAfter.compareTo(wait) > 0) {
        wait = untilRetryAfter;
      }
      Thread.sleep(wait.toMillis());
    }
  }

  /** acme4j's generic provider, trusting the benchmark's root (acme4j has no other way to set it). */
  private static final class TrustingProvider extends AbstractAcmeProvider {
    private final URI directory;
    private final SSLContext ssl;

    TrustingProvider(URI directory, SSLContext ssl) {
      this.directory = directory;
      this.ssl = ssl;
    }

    @Override
    public boolean accepts(URI serverUri) {
      return directory.equals(serverUri);
    }

    @Override
    public URL resolve(URI serverUri) {
      try {
        return serverUri.toURL();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException(e);
      }
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
      // HTTP/1.1 as the CA adapter uses: the JDK's HTTP/2 client stalled requests here (30 s timeouts).
      return HttpClient.newBuilder().sslContext(ssl).connectTimeout(settings.getTimeout())
          .followRedirects(HttpClient.Redirect.NORMAL).version(HttpClient.Version.HTTP_1_1).build();
    }
  }
}
