package dev.cps.ca.acme;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A small thread-safe memory of recent entries that forgets the oldest past a limit: what the CA
 * remembers about orders between calls is a shortcut, never the truth, so it may be lost.
 */
final class Recent<K, V> {
  private final Map<K, V> entries;

  Recent(int limit) {
    this.entries = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > limit;
      }
    };
  }

  synchronized @Nullable V get(K key) {
    return entries.get(key);
  }

  synchronized void put(K key, V value) {
    entries.put(key, value);
  }

  synchronized @Nullable V remove(K key) {
    return entries.remove(key);
  }

  synchronized void removeValue(V value) {
    entries.values().removeIf(value::equals);
  }
}
