package dev.cps.testkit;

import dev.cps.internal.json.EnrollmentJson;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentLeasedException;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.VersionConflictException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * An {@link EnrollmentStore} in memory, for tests and for hosts that do not need restarts.
 *
 * <p>Enrollments are immutable records, so the store keeps them as given. Beside the map by id it
 * keeps an ordered index of {@code (nextActionAt, id)}: {@link #due} walks the index from its
 * earliest entry and stops at the first one in the future, so a store of 100,000 idle enrollments
 * answers as fast as an empty one. Writes are serialized on the store so that the map and the
 * index move together; reads take no lock.
 *
 * <p>{@link #storingDocuments()} keeps what a database would: every write goes through the JSON
 * document codec and the store keeps what comes back, so a test sees exactly what survives a
 * restart of a real store.
 *
 * <p>It leases what it {@linkplain #claim claims} and what an input {@linkplain #lease leases}, so
 * several provisioners in one JVM may share it as they would share a database.
 */
public final class InMemoryEnrollmentStore implements EnrollmentStore {

  private record Lease(String owner, Instant until) {}

  /** One index entry; ties on the instant are broken by id so that entries stay distinct. */
  private record Due(Instant at, EnrollmentId id) implements Comparable<Due> {
    private static final Comparator<Due> ORDER = Comparator.comparing(Due::at).thenComparing(Due::id);

    static @Nullable Due of(Enrollment enrollment) {
      Instant at = enrollment.nextActionAt();
      return at == null ? null : new Due(at, enrollment.id());
    }

    @Override
    public int compareTo(Due other) {
      return ORDER.compare(this, other);
    }
  }

  private final ConcurrentHashMap<EnrollmentId, Enrollment> byId = new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<Due> index = new ConcurrentSkipListSet<>();
  private final Object writeLock = new Object();
  /** Leases of claimed enrollments and of inputs, written under {@link #writeLock}. */
  private final ConcurrentHashMap<EnrollmentId, Lease> leases = new ConcurrentHashMap<>();
  private final UnaryOperator<Enrollment> keep;

  /** Keeps the records as given. */
  public InMemoryEnrollmentStore() {
    this(UnaryOperator.identity());
  }

  private InMemoryEnrollmentStore(UnaryOperator<Enrollment> keep) {
    this.keep = keep;
  }

  /** Keeps each enrollment as it reads back from its JSON document. */
  public static InMemoryEnrollmentStore storingDocuments() {
    return new InMemoryEnrollmentStore(enrollment -> EnrollmentJson.fromBytes(EnrollmentJson.toBytes(enrollment)));
  }

  @Override
  public void insert(Enrollment given) {
    Enrollment enrollment = keep.apply(Objects.requireNonNull(given, "enrollment"));
    synchronized (writeLock) {
      Enrollment stored = byId.putIfAbsent(enrollment.id(), enrollment);
      if (stored != null) {
        throw new VersionConflictException(enrollment.id(), enrollment.version(),
            "an enrollment with this id is already stored at version " + stored.version());
      }
      reindex(null, Due.of(enrollment));
    }
  }

  @Override
  public void update(Enrollment given, long expectedVersion) {
    Enrollment enrollment = keep.apply(Objects.requireNonNull(given, "enrollment"));
    EnrollmentId id = enrollment.id();
    synchronized (writeLock) {
      Enrollment stored = byId.get(id);
      if (stored == null) {
        throw new VersionConflictException(id, expectedVersion, "no enrollment with this id is stored");
      }
      if (stored.version() != expectedVersion) {
        throw new VersionConflictException(id, expectedVersion, "the stored version is " + stored.version());
      }
      if (enrollment.version() <= expectedVersion) {
        throw new VersionConflictException(id, expectedVersion,
            "the new version " + enrollment.version() + " must be greater than the expected one");
      }
      byId.put(id, enrollment);
      reindex(Due.of(stored), Due.of(enrollment));
    }
  }

  /**
   * Adds the new entry before removing the old one, so that a lock-free reader never misses a due
   * enrollment; it may see both entries for a moment, which {@link #due} folds into one.
   */
  private void reindex(@Nullable Due before, @Nullable Due after) {
    if (Objects.equals(before, after)) {
      return;
    }
    if (after != null) {
      index.add(after);
    }
    if (before != null) {
      index.remove(before);
    }
  }

  @Override
  public Optional<Enrollment> find(EnrollmentId id) {
    return Optional.ofNullable(byId.get(Objects.requireNonNull(id, "id")));
  }

  @Override
  public List<Enrollment> list() {
    List<Enrollment> all = new ArrayList<>(byId.values());
    all.sort(Comparator.comparing(Enrollment::id));
    return all;
  }

  @Override
  public List<EnrollmentId> due(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative, was " + limit);
    }
    Set<EnrollmentId> due = new LinkedHashSet<>();
    for (Iterator<Due> it = index.iterator(); it.hasNext() && due.size() < limit; ) {
      Due entry = it.next();
      if (entry.at().isAfter(now)) {
        break;
      }
      if (!leased(entry.id(), now)) {
        due.add(entry.id());
      }
    }
    return List.copyOf(due);
  }

  /** Leases what {@link #due} returns; due work under another lease is skipped, as a database would. */
  @Override
  public List<EnrollmentId> claim(Instant now, int limit, String owner, Duration lease) {
    Objects.requireNonNull(owner, "owner");
    Instant until = now.plus(Objects.requireNonNull(lease, "lease"));
    synchronized (writeLock) {
      List<EnrollmentId> claimed = due(now, limit);
      for (EnrollmentId id : claimed) {
        leases.put(id, new Lease(owner, until));
      }
      return claimed;
    }
  }

  @Override
  public boolean lease(EnrollmentId id, String owner, Instant now, Duration lease) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    requirePositive(lease);
    synchronized (writeLock) {
      if (!byId.containsKey(id)) {
        return false;
      }
      Lease held = leases.get(id);
      if (held != null && held.until().isAfter(now)) {
        if (held.owner().equals(owner)) {
          return false;
        }
        throw new EnrollmentLeasedException(id, held.owner(), held.until());
      }
      leases.put(id, new Lease(owner, now.plus(lease)));
      return true;
    }
  }

  @Override
  public void release(EnrollmentId id, String owner) {
    synchronized (writeLock) {
      leases.computeIfPresent(id, (key, lease) -> lease.owner().equals(owner) ? null : lease);
    }
  }

  @Override
  public Set<EnrollmentId> renew(Collection<EnrollmentId> ids, String owner, Instant now, Duration lease) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(now, "now");
    requirePositive(lease);
    Set<EnrollmentId> renewed = new LinkedHashSet<>();
    synchronized (writeLock) {
      for (EnrollmentId id : ids) {
        Lease held = leases.get(id);
        if (held != null && held.owner().equals(owner) && held.until().isAfter(now)) {
          leases.put(id, new Lease(owner, now.plus(lease)));
          renewed.add(id);
        }
      }
    }
    return renewed;
  }

  private static void requirePositive(Duration lease) {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, was " + lease);
    }
  }

  private boolean leased(EnrollmentId id, Instant now) {
    if (leases.isEmpty()) {
      return false;
    }
    Lease lease = leases.get(id);
    return lease != null && lease.until().isAfter(now);
  }

  @Override
  public Optional<Instant> nextDue() {
    Iterator<Due> it = index.iterator();
    return it.hasNext() ? Optional.of(it.next().at()) : Optional.empty();
  }

  /** How many enrollments are stored. */
  public int size() {
    return byId.size();
  }

  @Override
  public String toString() {
    return "InMemoryEnrollmentStore[" + byId.size() + " enrollments, " + index.size() + " scheduled]";
  }
}
