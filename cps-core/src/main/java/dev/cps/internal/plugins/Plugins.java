package dev.cps.internal.plugins;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateAuthorityProvider;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentNetworkProvider;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.EnrollmentStoreProvider;
import dev.cps.spi.PluginContext;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.PrivateKeyStoreProvider;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a builder argument into a plug-in: an instance is used as it is; a URI goes to the one
 * provider that accepts it. Two accepting providers are an error naming both; a provider that
 * fails to load is logged and skipped, so one broken jar does not stop the others.
 */
public final class Plugins {
  private static final Logger log = LoggerFactory.getLogger(Plugins.class);

  private Plugins() {}

  public static EnrollmentStore enrollmentStore(Object given, Clock clock) {
    return given instanceof EnrollmentStore store ? store
        : load(EnrollmentStoreProvider.class, "enrollment store", (URI) given, EnrollmentStoreProvider::accepts,
            (provider, uri) -> provider.create(uri, clock));
  }

  public static PrivateKeyStore keyStore(Object given, Clock clock) {
    return given instanceof PrivateKeyStore store ? store
        : load(PrivateKeyStoreProvider.class, "key store", (URI) given, PrivateKeyStoreProvider::accepts,
            (provider, uri) -> provider.create(uri, clock));
  }

  public static CertificateAuthority authority(Object given, PluginContext context) {
    return given instanceof CertificateAuthority authority ? authority
        : load(CertificateAuthorityProvider.class, "certificate authority", (URI) given,
            CertificateAuthorityProvider::accepts, (provider, uri) -> provider.create(uri, context));
  }

  public static DeploymentNetwork network(Object given, PluginContext context) {
    return given instanceof DeploymentNetwork network ? network
        : load(DeploymentNetworkProvider.class, "deployment network", (URI) given, DeploymentNetworkProvider::accepts,
            (provider, uri) -> provider.create(uri, context));
  }

  private static <P, T> T load(Class<P> type, String kind, URI uri, BiPredicate<P, URI> accepts,
      BiFunction<P, URI, T> create) {
    return create.apply(find(ServiceLoader.load(type), kind, uri, provider -> accepts.test(provider, uri)), uri);
  }

  static <P> P find(Iterable<P> loader, String kind, URI uri, Predicate<P> accepts) {
    List<P> accepting = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    Iterator<P> providers = loader.iterator();
    while (true) {
      P provider;
      try {
        if (!providers.hasNext()) {
          break;
        }
        provider = providers.next();
      } catch (ServiceConfigurationError broken) {
        log.warn("Skipping a {} provider that failed to load: {}", kind, broken.getMessage());
        continue;
      }
      seen.add(provider.getClass().getName());
      try {
        if (accepts.test(provider)) {
          accepting.add(provider);
        }
      } catch (RuntimeException broken) {
        log.warn("Skipping {} provider {}: accepts({}) failed: {}", kind, provider.getClass().getName(), uri,
            broken.toString());
      }
    }
    if (accepting.isEmpty()) {
      throw new IllegalStateException("no " + kind + " provider accepts " + uri + "; providers found: " + seen);
    }
    if (accepting.size() > 1) {
      throw new IllegalStateException("more than one " + kind + " provider accepts " + uri + ": "
          + accepting.stream().map(p -> p.getClass().getName()).toList());
    }
    return accepting.get(0);
  }
}
