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
    if (given instanceof EnrollmentStore store) {
      return store;
    }
    URI uri = (URI) given;
    return find(ServiceLoader.load(EnrollmentStoreProvider.class), "enrollment store", uri, p -> p.accepts(uri))
        .create(uri, clock);
  }

  public static PrivateKeyStore keyStore(Object given, Clock clock) {
    if (given instanceof PrivateKeyStore store) {
      return store;
    }
    URI uri = (URI) given;
    return find(ServiceLoader.load(PrivateKeyStoreProvider.class), "key store", uri, p -> p.accepts(uri))
        .create(uri, clock);
  }

  public static CertificateAuthority authority(Object given, PluginContext context) {
    if (given instanceof CertificateAuthority authority) {
      return authority;
    }
    URI uri = (URI) given;
    return find(ServiceLoader.load(CertificateAuthorityProvider.class), "certificate authority", uri,
        p -> p.accepts(uri)).create(uri, context);
  }

  public static DeploymentNetwork network(Object given, PluginContext context) {
    if (given instanceof DeploymentNetwork network) {
      return network;
    }
    URI uri = (URI) given;
    return find(ServiceLoader.load(DeploymentNetworkProvider.class), "deployment network", uri,
        p -> p.accepts(uri)).create(uri, context);
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
