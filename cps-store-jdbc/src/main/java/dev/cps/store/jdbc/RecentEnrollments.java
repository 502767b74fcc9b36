package dev.cps.store.jdbc;

import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The enrollments this store wrote or read last, as objects: reading a document back costs a JSON
 * parse and an X.509 parse of every certificate in it, several times the database's own work. An
 * entry is only used when the row's version is still the one it was read or written at; a version
 * is written once, so the same version is the same document, whichever node wrote it. Bounded,
 * least recently used first out.
 */
final class RecentEnrollments {
  private final Map<EnrollmentId, Enrollment> entries;

  RecentEnrollments(int capacity) {
    this.entries = new LinkedHashMap<>(capacity, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<EnrollmentId, Enrollment> eldest) {
        return size() > capacity;
      }
    };
  }

  synchronized @Nullable Enrollment get(EnrollmentId id) {
    return entries.get(id);
  }

  synchronized void put(Enrollment enrollment) {
    entries.put(enrollment.id(), enrollment);
  }

  synchronized void forget(EnrollmentId id) {
    entries.remove(id);
  }
}
