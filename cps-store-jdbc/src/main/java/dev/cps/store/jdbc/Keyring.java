package dev.cps.store.jdbc;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key-encryption key new keys are sealed under, and the earlier ones that still open keys
 * sealed under them: those the host names as previous, and each one this store rotated away from
 * (another provisioner not yet restarted may still seal keys under it). A rotation re-seals the keys
 * of all of them under the current one.
 */
final class Keyring {
  private volatile KeyEncryptionKeys.Resolved current;
  private final Map<String, KeyEncryptionKeys.Resolved> previous = new ConcurrentHashMap<>();

  Keyring(KeyEncryptionKeys.Resolved current, Iterable<KeyEncryptionKeys.Resolved> previous) {
    this.current = current;
    for (KeyEncryptionKeys.Resolved earlier : previous) {
      if (!earlier.id().equals(current.id())) {
        this.previous.put(earlier.id(), earlier);
      }
    }
  }

  KeyEncryptionKeys.Resolved current() {
    return current;
  }

  /**
   * The KEK that opens a key sealed under {@code kekId}; the current one if the ring has none of
   * that id, which then refuses the key, naming both.
   */
  KeyEncryptionKeys.Resolved opening(String kekId) {
    KeyEncryptionKeys.Resolved now = current;
    return now.id().equals(kekId) ? now : previous.getOrDefault(kekId, now);
  }

  /** {@code next} opens keys sealed under it from now on; it seals none yet. */
  void opens(KeyEncryptionKeys.Resolved next) {
    if (!next.id().equals(current.id())) {
      previous.put(next.id(), next);
    }
  }

  /** After a rotation: {@code next} seals from now on, and the one it replaces still opens. */
  void rotatedTo(KeyEncryptionKeys.Resolved next) {
    KeyEncryptionKeys.Resolved replaced = current;
    previous.remove(next.id());
    if (!replaced.id().equals(next.id())) {
      previous.put(replaced.id(), replaced);
    }
    current = next;
  }

  /** The ids of every KEK in the ring, in order. */
  Set<String> ids() {
    Set<String> ids = new TreeSet<>(previous.keySet());
    ids.add(current.id());
    return ids;
  }
}
