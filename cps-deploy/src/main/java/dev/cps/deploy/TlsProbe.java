package dev.cps.deploy;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.DeploymentProbe;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.ProbeResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Checks with TLS handshakes that endpoints serve what was deployed: for each endpoint and each name
 * of the certificate (a wildcard name through a concrete label, {@code cps-probe.example.com} for
 * {@code *.example.com}), one handshake with that name as SNI must show the deployed leaf (by
 * {@link CertificateChain#fingerprint()}) and a chain that validates with PKIX to the configured trust
 * anchors. The probe only handshakes; it sends no request.
 *
 * <p>A server that was just reloaded may answer with the old certificate for a moment, so the
 * handshakes that do not pass are repeated, every 200 ms, until {@link Builder#patience} has passed
 * since the probe began: one budget for all endpoints and names, so that a probe of many which all
 * fail still ends in about that time (each gets one handshake at least, and one more if it failed
 * in a first round that outlasted the patience). The time is real time, not the clock's. Results
 * carry the clock's instant.
 */
public final class TlsProbe implements DeploymentProbe {
  private static final Duration RETRY_EVERY = Duration.ofMillis(200);

  private final List<InetSocketAddress> endpoints;
  private final Set<TrustAnchor> anchors;
  private final Clock clock;
  private final Duration timeout;
  private final Duration patience;
  private final String wildcardLabel;

  private TlsProbe(Builder builder) {
    this.endpoints = List.copyOf(builder.endpoints);
    this.anchors = Set.copyOf(builder.anchors);
    this.clock = builder.clock == null ? Clock.systemUTC() : builder.clock;
    this.timeout = builder.timeout == null ? Duration.ofSeconds(5) : builder.timeout;
    this.patience = builder.patience == null ? Duration.ofSeconds(10) : builder.patience;
    this.wildcardLabel = builder.wildcardLabel == null ? "cps-probe" : builder.wildcardLabel;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** One result per endpoint and name, endpoints in the order given, names in the order passed. */
  @Override
  public List<ProbeResult> probe(
      NetworkRole role, EnrollmentId enrollment, CertificateChain expected, List<String> names) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(expected, "expected");
    long deadline = System.nanoTime() + patience.toNanos();
    record Target(InetSocketAddress endpoint, String serverName) {}
    List<Target> targets = new ArrayList<>();
    for (InetSocketAddress endpoint : endpoints) {
      for (String name : new LinkedHashSet<>(names)) {
        targets.add(new Target(endpoint, serverName(name)));
      }
    }
    ProbeResult[] results = new ProbeResult[targets.size()];
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      pending.add(i);
    }
    for (int round = 1; ; round++) {
      List<Integer> failing = new ArrayList<>();
      for (int i : pending) {
        results[i] = handshake(role, targets.get(i).endpoint(), targets.get(i).serverName(), expected);
        if (!results[i].passed()) {
          failing.add(i);
        }
      }
      // A first round that outlasts the patience (many names, slow handshakes) still gets one more
      // for what failed early in it, while the server may have been reloading.
      boolean overdue = System.nanoTime() - deadline >= 0 && round > 1;
      if (failing.isEmpty() || patience.isZero() || overdue) {
        return List.of(results);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(RETRY_EVERY.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of(results);
      }
      pending = failing;
    }
  }

  private ProbeResult handshake(NetworkRole role, InetSocketAddress endpoint, String serverName, CertificateChain expected) {
    String where = endpoint.getHostString() + ":" + endpoint.getPort();
    ServedChainRecorder recorder = new ServedChainRecorder(anchors, clock);
    String protocol = null;
    String failure = null;
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(endpoint.getHostString(), endpoint.getPort()), (int) timeout.toMillis());
      plain.setSoTimeout((int) timeout.toMillis());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {recorder}, null);
      try (SSLSocket tls = (SSLSocket) context.getSocketFactory()
          .createSocket(plain, endpoint.getHostString(), endpoint.getPort(), true)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        protocol = tls.getSession().getProtocol();
      }
    } catch (IOException | GeneralSecurityException e) {
      failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return judge(role, where, serverName, expected, recorder, protocol, failure);
  }

  private ProbeResult judge(NetworkRole role, String where, String serverName, CertificateChain expected,
      ServedChainRecorder recorder, @Nullable String protocol, @Nullable String failure) {
    List<X509Certificate> served = recorder.served();
    if (served == null || served.isEmpty()) {
      return new ProbeResult(clock.instant(), role, where, serverName, false, null,
          "no certificate served: " + failure);
    }
    String fingerprint = CertificateChain.fingerprint(served.get(0));
    if (!fingerprint.equals(expected.fingerprint())) {
      return new ProbeResult(clock.instant(), role, where, serverName, false, fingerprint,
          "serves certificate serial " + served.get(0).getSerialNumber().toString(16)
              + ", not the deployed serial " + expected.serialNumber());
    }
    if (recorder.problem() != null) {
      return new ProbeResult(clock.instant(), role, where, serverName, false, fingerprint,
          "serves the deployed certificate, but its chain is incomplete or untrusted: " + recorder.problem());
    }
    if (failure != null) {
      return new ProbeResult(clock.instant(), role, where, serverName, false, fingerprint,
          "the handshake failed after the certificate: " + failure);
    }
    return new ProbeResult(clock.instant(), role, where, serverName, true, fingerprint,
        "serves serial " + expected.serialNumber() + " with a complete chain over " + protocol);
  }

  /** The SNI name to ask for: the name itself, or a concrete label in place of a wildcard. */
  private String serverName(String name) {
    return name.startsWith("*.") ? wildcardLabel + name.substring(1) : name;
  }

  @Override
  public String toString() {
    return "TlsProbe" + endpoints.stream().map(e -> e.getHostString() + ":" + e.getPort()).toList();
  }

  /** Configures a {@link TlsProbe}: at least one endpoint and one trust anchor. */
  public static final class Builder {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final List<InetSocketAddress> endpoints = new ArrayList<>();
    private final List<TrustAnchor> anchors = new ArrayList<>();
    private @Nullable Clock clock;
    private @Nullable Duration timeout;
    private @Nullable Duration patience;
    private @Nullable String wildcardLabel;

    private Builder() {}

    /** Adds an endpoint to probe, such as {@code ("127.0.0.1", 8443)}; the name is resolved at each probe. */
    public Builder endpoint(String host, int port) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("endpoint host must not be blank");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("endpoint port must be between 1 and 65535, was " + port);
      }
      endpoints.add(InetSocketAddress.createUnresolved(host, port));
      return this;
    }

    /**
     * Adds the roots (or intermediates) a served chain must validate to. Required: a probe never
     * trusts whatever it is shown.
     */
    public Builder trustAnchors(Collection<X509Certificate> certificates) {
      Objects.requireNonNull(certificates, "certificates");
      for (X509Certificate certificate : certificates) {
        anchors.add(new TrustAnchor(Objects.requireNonNull(certificate, "trust anchor"), null));
      }
      return this;
    }

    public Builder trustAnchors(X509Certificate... certificates) {
      return trustAnchors(List.of(certificates));
    }

    /** The instant results carry and chains are validated at. Default: the system clock. */
    public Builder clock(Clock clock) {
      requireUnset("clock", this.clock);
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The connect and read timeout of one handshake. Default 5 s. */
    public Builder timeout(Duration timeout) {
      requireUnset("timeout", this.timeout);
      this.timeout = positive("timeout", timeout);
      return this;
    }

    /**
     * How long a probe goes on repeating the handshakes that do not pass yet, for a server that is
     * still reloading: in all, over every endpoint and name. Default 10 s; zero probes each once.
     */
    public Builder patience(Duration patience) {
      requireUnset("patience", this.patience);
      Objects.requireNonNull(patience, "patience");
      if (patience.isNegative()) {
        throw new IllegalArgumentException("patience must not be negative, was " + patience);
      }
      this.patience = patience;
      return this;
    }

    /** The label that stands in for {@code *} when probing a wildcard name. Default {@code cps-probe}. */
    public Builder wildcardLabel(String label) {
      requireUnset("wildcardLabel", wildcardLabel);
      Objects.requireNonNull(label, "label");
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException("wildcardLabel must be one lower-case DNS label, was '" + label + "'");
      }
      this.wildcardLabel = label;
      return this;
    }

    /** @throws IllegalStateException if no endpoint or no trust anchor was given */
    public TlsProbe build() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("a TlsProbe needs at least one endpoint");
      }
      if (anchors.isEmpty()) {
        throw new IllegalStateException("trustAnchors is required: a probe validates the served chain, it never trusts all");
      }
      return new TlsProbe(this);
    }

    private static Duration positive(String property, Duration value) {
      Objects.requireNonNull(value, property);
      if (value.isNegative() || value.isZero() || value.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(property + " must be positive and under 24 days, was " + value);
      }
      return value;
    }

    private static void requireUnset(String property, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(property + " was already set to " + current);
      }
    }
  }
}
