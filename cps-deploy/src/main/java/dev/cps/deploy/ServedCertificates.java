package dev.cps.deploy;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.NetworkSettings;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link JsseNetwork} serves at one moment, immutable: a deployment builds a new picture and
 * swaps it in whole, so a handshake sees one picture from its start to its end. The certificate an
 * enrollment served before stays reachable by its alias, so that a handshake which picked it just
 * before a swap can still finish.
 */
final class ServedCertificates {
  static final ServedCertificates EMPTY = new ServedCertificates(Map.of(), Map.of(), 0);

  /**
   * One deployed certificate. {@code sequence} orders deployments, {@code first} the enrollments'
   * first deployments (a renewal keeps it); {@code toString} omits the key.
   */
  record Entry(String alias, EnrollmentId enrollment, CertificateChain chain, PrivateKey key,
      NetworkSettings settings, List<String> names, long sequence, long first) {
    X509Certificate[] certificates() {
      return chain.certificates().toArray(X509Certificate[]::new);
    }

    @Override
    public String toString() {
      return "Entry[" + alias + ", " + names + ", serial " + chain.serialNumber() + "]";
    }
  }

  private final Map<EnrollmentId, Entry> live;
  private final Map<EnrollmentId, Entry> replaced;
  private final Map<String, Entry> byName;
  private final Map<String, Entry> byAlias;
  private final @Nullable Entry fallback;
  private final long sequence;

  private ServedCertificates(Map<EnrollmentId, Entry> live, Map<EnrollmentId, Entry> replaced, long sequence) {
    this.live = live;
    this.replaced = replaced;
    this.sequence = sequence;
    List<Entry> inOrder = new ArrayList<>(live.values());
    inOrder.sort(Comparator.comparingLong(Entry::sequence));
    Map<String, Entry> names = new HashMap<>();
    for (Entry entry : inOrder) {
      entry.names().forEach(name -> names.put(name, entry));
    }
    this.byName = Map.copyOf(names);
    Map<String, Entry> aliases = new HashMap<>();
    replaced.values().forEach(entry -> aliases.put(entry.alias(), entry));
    live.values().forEach(entry -> aliases.put(entry.alias(), entry));
    this.byAlias = Map.copyOf(aliases);
    this.fallback = inOrder.stream().filter(entry -> !entry.settings().sniOnly())
        .min(Comparator.comparingLong(Entry::first)).orElse(null);
  }

  /** This picture with the enrollment now serving {@code chain}; what it served before stays reachable. */
  ServedCertificates with(EnrollmentId enrollment, CertificateChain chain, PrivateKey key, NetworkSettings settings) {
    long next = sequence + 1;
    Entry before = live.get(enrollment);
    Entry entry = new Entry("cps-" + next + "-" + enrollment, enrollment, chain, key, settings, dnsNames(chain.leaf()),
        next, before == null ? next : before.first());
    Map<EnrollmentId, Entry> newLive = new LinkedHashMap<>(live);
    newLive.put(enrollment, entry);
    Map<EnrollmentId, Entry> newReplaced = new LinkedHashMap<>(replaced);
    if (before != null) {
      newReplaced.put(enrollment, before);
    }
    return new ServedCertificates(Map.copyOf(newLive), Map.copyOf(newReplaced), next);
  }

  @Nullable Entry live(EnrollmentId enrollment) {
    return live.get(enrollment);
  }

  Collection<Entry> live() {
    return live.values();
  }

  @Nullable Entry byAlias(String alias) {
    return byAlias.get(alias);
  }

  /**
   * The entry for an SNI host name: an exact name first, then a wildcard for its first label
   * ({@code *.example.com} serves {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}).
   */
  @Nullable Entry forName(String hostName) {
    String name = hostName.toLowerCase(Locale.ROOT);
    Entry exact = byName.get(name);
    if (exact != null) {
      return exact;
    }
    int dot = name.indexOf('.');
    return dot <= 0 ? null : byName.get("*" + name.substring(dot));
  }

  /**
   * What a client gets that sends no SNI, or a name nothing here serves: the first enrollment
   * deployed whose settings are not SNI-only, or {@code null}.
   */
  @Nullable Entry fallback() {
    return fallback;
  }

  private static List<String> dnsNames(X509Certificate leaf) {
    List<String> names = new ArrayList<>();
    try {
      var alternatives = leaf.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> alternative : alternatives) {
          if (Integer.valueOf(2).equals(alternative.get(0)) && alternative.get(1) instanceof String dns) {
            names.add(dns.toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // A leaf whose SANs cannot be read serves no name; only the fallback could pick it.
    }
    return List.copyOf(names);
  }
}
