package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.PrivateKeyStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A Pebble with the solvers it validates against: an {@link Http01Server} and a {@link
 * TlsAlpn01Solver} on free loopback ports, and DNS through pebble-challtestsrv.
 */
final class AcmeFixture implements AutoCloseable {
  private static final AtomicInteger NAMES = new AtomicInteger();

  final Http01Server http;
  final TlsAlpn01Solver tlsAlpn;
  final Pebble pebble;

  private AcmeFixture(Http01Server http, TlsAlpn01Solver tlsAlpn, Pebble pebble) {
    this.http = http;
    this.tlsAlpn = tlsAlpn;
    this.pebble = pebble;
  }

  static AcmeFixture start(Path directory) {
    return start(directory, options -> {});
  }

  static AcmeFixture start(Path directory, Consumer<Pebble.Options> options) {
    Pebble.binary("pebble");
    Http01Server http = Http01Server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    TlsAlpn01Solver tlsAlpn = TlsAlpn01Solver.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    try {
      Pebble.Options configured = new Pebble.Options().httpPort(http.address().getPort())
          .tlsPort(tlsAlpn.address().getPort());
      options.accept(configured);
      return new AcmeFixture(http, tlsAlpn, Pebble.start(directory, configured));
    } catch (RuntimeException e) {
      http.close();
      tlsAlpn.close();
      throw e;
    }
  }

  /** A CA on this Pebble: trusts the test root, agreed terms, a contact. */
  AcmeCertificateAuthorityBuilder ca(PrivateKeyStore keys, Clock clock) {
    return AcmeCertificateAuthority.builder()
        .directory(pebble.directory())
        .trustAnchors(pebble.trustBundle())
        .agreeToTermsOfService()
        .contact("certificates@example.com")
        .keyStore(keys)
        .clock(clock);
  }

  Http01Solver httpSolver() {
    return Http01Solver.publishingTo(http);
  }

  Dns01Solver dnsSolver() {
    return Dns01Solver.publishingTo(new ChalltestsrvDns(pebble));
  }

  /**
   * Reads the order through {@code status} until it is issued, answering each name's HTTP-01
   * challenge with the embedded server as it is handed out; the order must never be invalid.
   */
  void awaitIssued(CertificateAuthority ca, OrderRef order, Supplier<OrderStatus> status) {
    Http01Solver solver = httpSolver();
    await("order " + order.value() + " issued").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          OrderStatus now = status.get();
          if (now instanceof OrderStatus.Pending pending && !pending.challenges().isEmpty()) {
            Map<String, Challenge> http = pending.challenges().stream()
                .filter(c -> c.type() == ChallengeType.HTTP_01)
                .collect(Collectors.toMap(Challenge::authorization, c -> c, (a, b) -> a));
            http.values().forEach(solver::present);
            ca.challengesReady(order, List.copyOf(http.values()));
          }
          assertThat(now).isNotInstanceOf(OrderStatus.Invalid.class);
          return now instanceof OrderStatus.Issued;
        });
  }

  /** A name no earlier test used, so Pebble has no valid authorization to reuse for it. */
  static String name(String label) {
    return label + "-" + NAMES.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36)
        .toLowerCase(Locale.ROOT) + ".example.com";
  }

  @Override
  public void close() {
    pebble.close();
    http.close();
    tlsAlpn.close();
  }

  /** DNS-01 through pebble-challtestsrv's management API, as a host would through its DNS provider's. */
  static final class ChalltestsrvDns implements DnsRecordPublisher {
    private final Pebble pebble;

    ChalltestsrvDns(Pebble pebble) {
      this.pebble = pebble;
    }

    @Override
    public void present(String name, String value) {
      pebble.setTxt(name, value);
    }

    /** challtestsrv removes a name's records all at once; the tests clean up only after issuance. */
    @Override
    public void remove(String name, String value) {
      pebble.clearTxt(name);
    }
  }
}
