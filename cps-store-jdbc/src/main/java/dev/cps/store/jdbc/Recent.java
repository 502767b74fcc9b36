package dev.cps.store.jdbc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What a store wrote or read last, as objects, so that reading it back needs no parse (of a JSON
 * document and every certificate in it, or of a key). The stores say when an entry may be used.
 * Bounded, least recently used first out.
 */
final class Recent<K, V> {
  private final Map<K, V> entries;

  Recent(int capacity) {
    this.entries = new LinkedHashMap<>(capacity, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }

  synchronized @Nullable V get(K key) {
    return entries.get(key);
  }

  synchronized void put(K key, V value) {
    entries.put(key, value);
  }

  /** Puts the value unless the kept one passes the test (is newer, say). */
  synchronized void putUnless(K key, V value, Predicate<V> keep) {
    V kept = entries.get(key);
    if (kept == null || !keep.test(kept)) {
      entries.put(key, value);
    }
  }

  /** Puts the value only if the kept one is {@code expected} (the same object). */
  synchronized void replace(K key, V expected, V value) {
    if (entries.get(key) == expected) {
      entries.put(key, value);
    }
  }

  synchronized void forget(K key) {
    entries.remove(key);
  }

  /** Forgets the kept value if it passes the test. */
  synchronized void forgetIf(K key, Predicate<V> test) {
    V kept = entries.get(key);
    if (kept != null && test.test(kept)) {
      entries.remove(key);
    }
  }
}
