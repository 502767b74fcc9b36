package dev.cps.internal.engine;

import dev.cps.RenewalPolicy;
import dev.cps.RetryPolicy;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentProbe;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.ProvisioningListener;
import dev.cps.spi.WarningCode;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Everything the builder resolved, checked and defaulted. */
public record EngineSettings(
    Clock clock,
    EnrollmentStore store,
    PrivateKeyStore keys,
    Map<String, CertificateAuthority> authorities,
    String defaultAuthority,
    @Nullable DeploymentNetwork staging,
    DeploymentNetwork production,
    List<ChallengeSolver> solvers,
    List<ProvisioningListener> listeners,
    RenewalPolicy renewalPolicy,
    RetryPolicy retryPolicy,
    Set<WarningCode> autoAccepted,
    int workers,
    Provider cryptoProvider,
    Duration pollInterval,
    Duration minimumLifetime,
    Duration expiryWarning,
    boolean reuseKeyOnRenewal,
    long jitterSeed,
    String nodeId,
    Duration leaseDuration,
    @Nullable DeploymentProbe stagingProbe,
    @Nullable DeploymentProbe productionProbe,
    boolean autoAcknowledgeStaging) {

  public EngineSettings {
    authorities = Map.copyOf(authorities);
    solvers = List.copyOf(solvers);
    listeners = List.copyOf(listeners);
    autoAccepted = Set.copyOf(autoAccepted);
  }
}
