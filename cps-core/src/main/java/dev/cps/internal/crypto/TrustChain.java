package dev.cps.internal.crypto;

import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Orders a chain leaf first, each certificate followed by its issuer, and checks every link: the
 * issuer's name, that the issuer may be a CA, and the signature. A chain may end at an
 * intermediate (servers normally leave the root out) but not at the leaf.
 *
 * <p>Links above the leaf repeat across every certificate of a CA, so their verified outcome is
 * remembered by fingerprint; the leaf's own signature is checked every time. Issuer keys are kept
 * as the provider's own key objects, with which it verifies several times faster. Both caches are
 * keyed by the SHA-256 of the whole certificate and cleared when full.
 */
final class TrustChain {
  static final int CACHE_LIMIT = 1024;

  private final Crypto crypto;
  private final Set<String> verifiedLinks = ConcurrentHashMap.newKeySet();
  private final Map<String, PublicKey> issuerKeys = new ConcurrentHashMap<>();
  private final LongAdder signatureVerifications = new LongAdder();

  TrustChain(Crypto crypto) {
    this.crypto = crypto;
  }

  record Checked(List<ParsedCertificate> sorted, List<Warning> warnings) {}

  Checked check(List<ParsedCertificate> given, int leafIndex) {
    List<Warning> warnings = new ArrayList<>();
    List<ParsedCertificate> path = path(given, leafIndex);
    List<ParsedCertificate> sorted = new ArrayList<>(path);
    for (ParsedCertificate certificate : given) {
      if (!path.contains(certificate)) {
        sorted.add(certificate);
        warnings.add(new Warning(WarningCode.TRUST_CHAIN_UNSORTED,
            "certificate '" + certificate + "' is not on the path from the leaf to its root; moved to the end"));
      }
    }
    if (!sorted.equals(given)) {
      warnings.add(0, new Warning(WarningCode.TRUST_CHAIN_UNSORTED,
          "the chain must list the leaf first and then each issuer: given " + given + ", sorted " + sorted));
    }
    ParsedCertificate leaf = path.get(0);
    if (path.size() == 1) {
      warnings.add(new Warning(WarningCode.TRUST_CHAIN_INCOMPLETE, leaf.isSelfIssued()
          ? "the leaf '" + leaf + "' is self-signed: no CA issued it"
          : "the leaf's issuer '" + leaf.issuer() + "' is not in the chain"));
    }
    for (int i = 0; i + 1 < path.size(); i++) {
      String broken = brokenLink(path.get(i), path.get(i + 1), i == 0);
      if (broken != null) {
        warnings.add(new Warning(WarningCode.TRUST_CHAIN_INCOMPLETE, broken));
      }
    }
    return new Checked(List.copyOf(sorted), List.copyOf(warnings));
  }

  /** How many signatures this instance has verified, for tests of the link cache. */
  long signatureVerifications() {
    return signatureVerifications.sum();
  }

  /** Follows issuer names from the leaf until a self-issued certificate or a missing issuer. */
  private static List<ParsedCertificate> path(List<ParsedCertificate> given, int leafIndex) {
    List<ParsedCertificate> path = new ArrayList<>(given.size());
    ParsedCertificate current = given.get(leafIndex);
    path.add(current);
    while (!current.isSelfIssued()) {
      ParsedCertificate issuer = null;
      for (ParsedCertificate candidate : given) {
        if (!path.contains(candidate) && candidate.subject().equals(current.issuer())) {
          issuer = candidate;
          break;
        }
      }
      if (issuer == null) {
        break;
      }
      path.add(issuer);
      current = issuer;
    }
    return path;
  }

  private @Nullable String brokenLink(ParsedCertificate child, ParsedCertificate issuer, boolean childIsLeaf) {
    if (!issuer.mayBeCa()) {
      return "'" + issuer + "' issued '" + child + "' but is not a CA certificate";
    }
    if (childIsLeaf) {
      return verifySignature(child, issuer);
    }
    String link = child.fingerprint() + ">" + issuer.fingerprint();
    if (verifiedLinks.contains(link)) {
      return null;
    }
    String failure = verifySignature(child, issuer);
    if (failure == null) {
      if (verifiedLinks.size() >= CACHE_LIMIT) {
        verifiedLinks.clear();
      }
      verifiedLinks.add(link);
    }
    return failure;
  }

  private PublicKey issuerKey(ParsedCertificate issuer) {
    PublicKey key = issuerKeys.get(issuer.fingerprint());
    if (key == null) {
      key = crypto.own(issuer.certificate().getPublicKey());
      if (issuerKeys.size() >= CACHE_LIMIT) {
        issuerKeys.clear();
      }
      issuerKeys.put(issuer.fingerprint(), key);
    }
    return key;
  }

  private @Nullable String verifySignature(ParsedCertificate child, ParsedCertificate issuer) {
    signatureVerifications.increment();
    try {
      child.certificate().verify(issuerKey(issuer), crypto.provider());
      return null;
    } catch (NoSuchAlgorithmException e) {
      return "the signature of '" + child + "' cannot be checked with " + crypto + ": " + e.getMessage();
    } catch (GeneralSecurityException | RuntimeException e) {
      return "the signature of '" + child + "' does not verify with the key of its issuer '" + issuer + "'";
    }
  }
}
