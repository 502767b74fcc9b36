package dev.cps;

import dev.cps.internal.crypto.Crypto;
import dev.cps.internal.engine.EngineSettings;
import dev.cps.internal.engine.Provisioner;
import dev.cps.internal.plugins.Plugins;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentProbe;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.PluginContext;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.ProvisioningListener;
import dev.cps.spi.WarningCode;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link CertificateProvisioner}. Each single-valued property may be set once;
 * {@link #build()} names any property that is missing or wrong. Plug-ins may be given as
 * instances or as URIs that exactly one {@link java.util.ServiceLoader} provider accepts (an
 * instance beats a URI).
 */
public final class ProvisionerBuilder {
  private @Nullable Clock clock;
  private @Nullable Object enrollmentStore;
  private @Nullable Object keyStore;
  private final List<Object> authorities = new ArrayList<>();
  private @Nullable String defaultAuthority;
  private @Nullable Object stagingNetwork;
  private @Nullable Object productionNetwork;
  private final List<ChallengeSolver> solvers = new ArrayList<>();
  private final List<ProvisioningListener> listeners = new ArrayList<>();
  private @Nullable RenewalPolicy renewalPolicy;
  private @Nullable RetryPolicy retryPolicy;
  private @Nullable Set<WarningCode> autoAccepted;
  private @Nullable Integer workers;
  private @Nullable Provider cryptoProvider;
  private @Nullable Duration pollInterval;
  private @Nullable Duration minimumLifetime;
  private @Nullable Duration expiryWarning;
  private @Nullable Boolean reuseKeyOnRenewal;
  private long jitterSeed;
  private boolean jitterSeedSet;
  private @Nullable String nodeId;
  private @Nullable Duration leaseDuration;
  private @Nullable DeploymentProbe stagingProbe;
  private @Nullable DeploymentProbe productionProbe;
  private @Nullable Boolean autoAcknowledgeStaging;

  ProvisionerBuilder() {}

  /** Where all time comes from. Default: the system clock in UTC. */
  public ProvisionerBuilder clock(Clock clock) {
    requireUnset("clock", this.clock);
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  public ProvisionerBuilder enrollmentStore(EnrollmentStore store) {
    requireUnset("enrollmentStore", enrollmentStore);
    this.enrollmentStore = Objects.requireNonNull(store, "store");
    return this;
  }

  /** An enrollment store built by the one provider that accepts the URI, such as {@code memory:default}. */
  public ProvisionerBuilder enrollmentStore(URI location) {
    requireUnset("enrollmentStore", enrollmentStore);
    this.enrollmentStore = Objects.requireNonNull(location, "location");
    return this;
  }

  public ProvisionerBuilder keyStore(PrivateKeyStore store) {
    requireUnset("keyStore", keyStore);
    this.keyStore = Objects.requireNonNull(store, "store");
    return this;
  }

  public ProvisionerBuilder keyStore(URI location) {
    requireUnset("keyStore", keyStore);
    this.keyStore = Objects.requireNonNull(location, "location");
    return this;
  }

  /** Adds a CA. The first one added is the default unless {@link #defaultAuthority} says otherwise. */
  public ProvisionerBuilder certificateAuthority(CertificateAuthority authority) {
    authorities.add(Objects.requireNonNull(authority, "authority"));
    return this;
  }

  /** Adds a CA built by the one provider that accepts the URI. */
  public ProvisionerBuilder certificateAuthority(URI location) {
    authorities.add(Objects.requireNonNull(location, "location"));
    return this;
  }

  /** The CA for enrollments that name none. */
  public ProvisionerBuilder defaultAuthority(String id) {
    requireUnset("defaultAuthority", defaultAuthority);
    this.defaultAuthority = Objects.requireNonNull(id, "id");
    return this;
  }

  /** Where certificates are tested first. Optional: without it, the staging step only waits. */
  public ProvisionerBuilder stagingNetwork(DeploymentNetwork network) {
    requireUnset("stagingNetwork", stagingNetwork);
    this.stagingNetwork = Objects.requireNonNull(network, "network");
    return this;
  }

  public ProvisionerBuilder stagingNetwork(URI location) {
    requireUnset("stagingNetwork", stagingNetwork);
    this.stagingNetwork = Objects.requireNonNull(location, "location");
    return this;
  }

  public ProvisionerBuilder productionNetwork(DeploymentNetwork network) {
    requireUnset("productionNetwork", productionNetwork);
    this.productionNetwork = Objects.requireNonNull(network, "network");
    return this;
  }

  public ProvisionerBuilder productionNetwork(URI location) {
    requireUnset("productionNetwork", productionNetwork);
    this.productionNetwork = Objects.requireNonNull(location, "location");
    return this;
  }

  /** Adds a solver; challenges of types no solver handles wait for a person. */
  public ProvisionerBuilder challengeSolver(ChallengeSolver solver) {
    solvers.add(Objects.requireNonNull(solver, "solver"));
    return this;
  }

  public ProvisionerBuilder listener(ProvisioningListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** Default: {@link RenewalPolicy#standard()}. */
  public ProvisionerBuilder renewalPolicy(RenewalPolicy policy) {
    requireUnset("renewalPolicy", renewalPolicy);
    this.renewalPolicy = Objects.requireNonNull(policy, "policy");
    return this;
  }

  /** Default: {@link RetryPolicy#DEFAULT}. */
  public ProvisionerBuilder retryPolicy(RetryPolicy policy) {
    requireUnset("retryPolicy", retryPolicy);
    this.retryPolicy = Objects.requireNonNull(policy, "policy");
    return this;
  }

  /** Post-verification warnings with these codes are accepted without asking a person. */
  public ProvisionerBuilder autoAcceptWarnings(WarningCode... codes) {
    requireUnset("autoAcceptWarnings", autoAccepted);
    Set<WarningCode> set = EnumSet.noneOf(WarningCode.class);
    set.addAll(List.of(codes));
    this.autoAccepted = set;
    return this;
  }

  /** Threads that run due steps in parallel. Default: the number of processors. */
  public ProvisionerBuilder workers(int workers) {
    if (this.workers != null) {
      throw new IllegalStateException("workers was already set to " + this.workers);
    }
    this.workers = workers;
    return this;
  }

  /**
   * The JCA provider for CSRs and verification. Default: BouncyCastle, about five times faster than
   * the JDK's SunEC for EC P-256 here.
   */
  public ProvisionerBuilder cryptoProvider(Provider provider) {
    requireUnset("cryptoProvider", cryptoProvider);
    this.cryptoProvider = Objects.requireNonNull(provider, "provider");
    return this;
  }

  /** The shortest wait between two polls of a CA; longer validations are polled less often. Default 15 s. */
  public ProvisionerBuilder pollInterval(Duration interval) {
    requireUnset("pollInterval", pollInterval);
    this.pollInterval = Objects.requireNonNull(interval, "interval");
    return this;
  }

  /** A certificate valid for less than this is a CERTIFICATE_EXPIRATION_TOO_SHORT warning. Default 3 days. */
  public ProvisionerBuilder minimumLifetime(Duration lifetime) {
    requireUnset("minimumLifetime", minimumLifetime);
    this.minimumLifetime = Objects.requireNonNull(lifetime, "lifetime");
    return this;
  }

  /**
   * How long before expiry a live certificate with no replacement raises an expiring-soon event.
   * Default 14 days, at most a quarter of the certificate's lifetime.
   */
  public ProvisionerBuilder expiryWarning(Duration before) {
    requireUnset("expiryWarning", expiryWarning);
    this.expiryWarning = Objects.requireNonNull(before, "before");
    return this;
  }

  /** Renew with the key of the live certificate instead of a new one. Default false. */
  public ProvisionerBuilder reuseKeyOnRenewal(boolean reuse) {
    requireUnset("reuseKeyOnRenewal", reuseKeyOnRenewal);
    this.reuseKeyOnRenewal = reuse;
    return this;
  }

  /** Seeds the retry jitter, for reproducible tests. Default: a random seed. */
  public ProvisionerBuilder jitterSeed(long seed) {
    if (jitterSeedSet) {
      throw new IllegalStateException("jitterSeed was already set to " + jitterSeed);
    }
    this.jitterSeed = seed;
    this.jitterSeedSet = true;
    return this;
  }

  /**
   * Names this provisioner when it leases due work from a store shared with others (see {@link
   * EnrollmentStore#claim}). Default: the host name, the process id and a random suffix.
   */
  public ProvisionerBuilder nodeId(String id) {
    requireUnset("nodeId", nodeId);
    this.nodeId = Objects.requireNonNull(id, "id");
    return this;
  }

  /**
   * How long a claim on due work holds before another provisioner may take it over, unless renewed:
   * a provisioner renews the leases it holds once a third has passed, so a step may take longer
   * than this. Shorter means quicker takeover after a crash, and more renewals. Default 5 minutes.
   */
  public ProvisionerBuilder leaseDuration(Duration lease) {
    requireUnset("leaseDuration", leaseDuration);
    this.leaseDuration = Objects.requireNonNull(lease, "lease");
    return this;
  }

  /** Checks the staging network after each deployment to it; its results are on the change. */
  public ProvisionerBuilder stagingProbe(DeploymentProbe probe) {
    requireUnset("stagingProbe", stagingProbe);
    this.stagingProbe = Objects.requireNonNull(probe, "probe");
    return this;
  }

  /** Checks the production network after each deployment to it; the change completes once it passes. */
  public ProvisionerBuilder productionProbe(DeploymentProbe probe) {
    requireUnset("productionProbe", productionProbe);
    this.productionProbe = Objects.requireNonNull(probe, "probe");
    return this;
  }

  /**
   * Acknowledge the staging test on the enrollment's behalf when every staging probe passed (at
   * least one must have run). Default false: a person acknowledges.
   */
  public ProvisionerBuilder autoAcknowledgeStaging(boolean acknowledge) {
    requireUnset("autoAcknowledgeStaging", autoAcknowledgeStaging);
    this.autoAcknowledgeStaging = acknowledge;
    return this;
  }

  /**
   * @throws IllegalStateException naming the property that is missing or wrong, and its value
   */
  public CertificateProvisioner build() {
    Clock clock = this.clock != null ? this.clock : Clock.systemUTC();
    int workers = this.workers == null ? Runtime.getRuntime().availableProcessors() : this.workers;
    requireState(workers >= 1 && workers <= 256, "workers must be between 1 and 256, was %s", workers);
    requireState(enrollmentStore != null, "enrollmentStore is required: give a store or a URI such as memory:default");
    requireState(keyStore != null, "keyStore is required: give a key store or a URI such as memory:default");
    requireState(productionNetwork != null, "productionNetwork is required");
    requireState(!authorities.isEmpty(), "at least one certificateAuthority is required");
    Duration poll = orDefault(pollInterval, Duration.ofSeconds(15));
    requireState(!poll.isNegative() && !poll.isZero(), "pollInterval must be positive, was %s", poll);
    Duration minimum = orDefault(minimumLifetime, Duration.ofDays(3));
    requireState(!minimum.isNegative(), "minimumLifetime must not be negative, was %s", minimum);
    Duration warning = orDefault(expiryWarning, Duration.ofDays(14));
    requireState(!warning.isNegative(), "expiryWarning must not be negative, was %s", warning);
    Duration lease = orDefault(leaseDuration, Duration.ofMinutes(5));
    requireState(lease.compareTo(Duration.ofSeconds(1)) >= 0, "leaseDuration must be at least 1 second, was %s",
        lease);
    String node = orDefault(nodeId, defaultNodeId());
    requireState(!node.isBlank() && node.length() <= 200, "nodeId must be 1 to 200 characters, was '%s'", node);
    requireState(autoAcknowledgeStaging == null || !autoAcknowledgeStaging || stagingProbe != null,
        "autoAcknowledgeStaging needs a stagingProbe whose results it can trust, was %s", autoAcknowledgeStaging);
    // Without a staging network there is no staging deployment to probe: the probe would never run.
    requireState(stagingProbe == null || stagingNetwork != null, "stagingProbe needs a stagingNetwork to probe,"
        + " was %s with none", stagingProbe);

    EnrollmentStore store = Plugins.enrollmentStore(enrollmentStore, clock);
    PrivateKeyStore keys = Plugins.keyStore(keyStore, clock);
    PluginContext context = new PluginContext(clock, keys);
    Map<String, CertificateAuthority> byId = new LinkedHashMap<>();
    for (Object authority : authorities) {
      CertificateAuthority ca = Plugins.authority(authority, context);
      CertificateAuthority previous = byId.putIfAbsent(ca.id(), ca);
      requireState(previous == null, "two certificate authorities have the id '%s': %s and %s",
          ca.id(), previous, ca);
    }
    String defaultId = defaultAuthority != null ? defaultAuthority : byId.keySet().iterator().next();
    requireState(byId.containsKey(defaultId), "defaultAuthority '%s' is none of the configured CAs %s",
        defaultId, byId.keySet());

    EngineSettings settings = new EngineSettings(
        clock, store, keys, byId, defaultId,
        stagingNetwork == null ? null : Plugins.network(stagingNetwork, context),
        Plugins.network(productionNetwork, context),
        solvers, listeners,
        orDefault(renewalPolicy, RenewalPolicy.standard()),
        orDefault(retryPolicy, RetryPolicy.DEFAULT),
        autoAccepted == null ? Set.of() : autoAccepted,
        workers,
        orDefault(cryptoProvider, Crypto.bouncyCastle().provider()),
        poll, minimum, warning,
        reuseKeyOnRenewal != null && reuseKeyOnRenewal,
        jitterSeedSet ? jitterSeed : System.nanoTime(),
        node, lease, stagingProbe, productionProbe,
        autoAcknowledgeStaging != null && autoAcknowledgeStaging);
    return new Provisioner(settings);
  }

  private static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    return host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static <T> T orDefault(@Nullable T value, T fallback) {
    return value != null ? value : fallback;
  }

  private static void requireUnset(String property, @Nullable Object current) {
    if (current != null) {
      throw new IllegalStateException(property + " was already set to " + current);
    }
  }

  private static void requireState(boolean expression, String template, Object... args) {
    if (!expression) {
      throw new IllegalStateException(String.format(template, args));
    }
  }
}
