package dev.cps.store.jdbc;

import dev.cps.internal.json.CorruptDocumentException;
import dev.cps.internal.json.EnrollmentJson;
import dev.cps.spi.Change;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentLeasedException;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.VersionConflictException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrollments as rows of {@code cps_enrollment}: the JSON document of the core's codec, beside the
 * columns that are queried (state, next action, lease owner and end, version). Due work comes from
 * the index on {@code (next_action_at, id)}; no query reads the documents but {@link #find},
 * {@link #list} and {@link #claim}.
 *
 * <p>Every write is one statement, durable when the call returns ({@link Database#write}) or, for
 * {@link #updateAsync} and {@link #updateAndReleaseAsync}, when its future completes ({@link
 * Database#writeAsync}); but the release of a lease, which is best effort ({@link
 * Database#writeLater}). An update names the version it replaces in its {@code WHERE} clause, so
 * of two writers of one version exactly one wins: the fence that keeps a provisioner whose lease
 * ran out from overwriting the work of the one that took over.
 *
 * <p>While this store holds the lease on a row (until it releases it, or the lease runs out by the
 * store's clock), {@link #find} answers from the enrollment it last wrote or read there, without
 * asking the database: the lease is there so that no other engine works on the row, and any other
 * writer (a person's input through another process, an engine whose lease ran out) is caught by
 * the version fence, after which the row is read again. An engine step reads its enrollment before
 * it acts, so this saves a query per step. A claim returns the documents of the rows it leases, so
 * the first step of each needs no query either.
 */
final class JdbcEnrollmentStore implements EnrollmentStore {
  private static final Logger log = LoggerFactory.getLogger(JdbcEnrollmentStore.class);

  /**
   * Enough for the enrollments a provisioner works on at once: the engine leases up to two batches
   * of 256, and writes the ones it completes meanwhile. At 512, least-recently-used eviction took
   * the enrollments in flight as fast as they were stepped (each one read and parsed again, nearly
   * once per enrollment). About 10 KB of heap per completed enrollment, so 10 MB when full.
   */
  private static final int RECENT = 1024;
  /** Tries to take a lease that its owner gave up between this store's two statements. */
  private static final int MAX_LEASE_ATTEMPTS = 4;

  private final Database database;
  private final Clock clock;
  /**
   * The enrollments this store wrote or read last. An entry is used when the row's version is still
   * the one it was read or written at (a version is written once, so the same version is the same
   * document, whichever node wrote it), or without asking while the row is {@link #leased}.
   */
  private final Recent<EnrollmentId, Enrollment> recent = new Recent<>(RECENT);
  /**
   * The rows this store claimed and has not released, with the end of each lease: until then their
   * recent entries need no query.
   */
  private final Map<EnrollmentId, Lease> leased = new ConcurrentHashMap<>();

  /**
   * A lease this store holds, and the document the claim returned when no recent entry was that
   * version: read (parsed) by the engine's first {@link #find}, on its own thread, and dropped then
   * or once this store writes the row.
   */
  private record Lease(Instant until, byte @Nullable [] document) {
    Lease withoutDocument() {
      return document == null ? this : new Lease(until, null);
    }
  }

  JdbcEnrollmentStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  @Override
  public void insert(Enrollment enrollment) {
    Objects.requireNonNull(enrollment, "enrollment");
    byte[] document = EnrollmentJson.toBytes(enrollment);
    int inserted = database.write("storing enrollment " + enrollment.id(),
        "INSERT INTO cps_enrollment (id, version, state, next_action_at, document) VALUES (?, ?, ?, ?, ?)"
            + " ON CONFLICT (id) DO NOTHING",
        statement -> {
          statement.setString(1, enrollment.id().value());
          statement.setLong(2, enrollment.version());
          setNullableString(statement, 3, state(enrollment));
          setNullableLong(statement, 4, Micros.upOrNull(enrollment.nextActionAt()));
          statement.setBytes(5, document);
        });
    if (inserted == 1) {
      recent.put(enrollment.id(), enrollment);
    } else {
      throw new VersionConflictException(enrollment.id(), enrollment.version(),
          "an enrollment with this id is already stored" + storedVersion(enrollment.id()).map(v -> " at version " + v)
              .orElse(""));
    }
  }

  @Override
  public void update(Enrollment enrollment, long expectedVersion) {
    Updating updating = updating(enrollment, expectedVersion, null);
    updated(enrollment, expectedVersion,
        database.write(updating.operation(), updating.sql(), updating.binder()));
  }

  /** With SQLite, the update rides the next group commit; the caller waits for it later, if at all. */
  @Override
  public CompletableFuture<Void> updateAsync(Enrollment enrollment, long expectedVersion) {
    return writeAsync(enrollment, expectedVersion, null);
  }

  /** The lease is cleared by the update's own statement, so the row is written once, not twice. */
  @Override
  public CompletableFuture<Void> updateAndReleaseAsync(Enrollment enrollment, long expectedVersion, String owner) {
    Objects.requireNonNull(owner, "owner");
    return writeAsync(enrollment, expectedVersion, owner);
  }

  private CompletableFuture<Void> writeAsync(Enrollment enrollment, long expectedVersion, @Nullable String releasing) {
    Updating updating;
    try {
      updating = updating(enrollment, expectedVersion, releasing);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (releasing != null) {
      leased.remove(enrollment.id());
    }
    return database.writeAsync(updating.operation(), updating.sql(), updating.binder())
        .thenAccept(count -> updated(enrollment, expectedVersion, count));
  }

  /** An update checked and encoded, ready to run. */
  private record Updating(String operation, String sql, Database.Binder binder) {}

  /**
   * Every form of the update, made once: the same string each time finds its prepared statement
   * at once. Index: 1 sets the state, 2 the next action, 4 ends the lease of an owner.
   */
  private static final String[] UPDATES = new String[8];

  static {
    for (int form = 0; form < UPDATES.length; form++) {
      StringBuilder sql = new StringBuilder("UPDATE cps_enrollment SET version = ?, document = ?");
      if ((form & 1) != 0) {
        sql.append(", state = ?");
      }
      if ((form & 2) != 0) {
        sql.append(", next_action_at = ?");
      }
      if ((form & 4) != 0) {
        // Each SET sees the old row: the lease ends only if the given owner holds it.
        sql.append(", lease_owner = CASE WHEN lease_owner = ? THEN NULL ELSE lease_owner END,"
            + " lease_until = CASE WHEN lease_owner = ? THEN NULL ELSE lease_until END");
      }
      UPDATES[form] = sql.append(" WHERE id = ? AND version = ?").toString();
    }
  }

  /**
   * The update of a row from the expected version to the enrollment's, which names the version it
   * replaces in its {@code WHERE} clause. The state and next action are set only if they differ
   * from those of the expected version, when this store knows it: an index whose columns an
   * {@code UPDATE} leaves out of its {@code SET} is not touched, and most steps keep one of them.
   * If the row has moved on from the expected version, nothing is written, so the columns of the
   * version known here are those of the row whenever the update applies.
   *
   * @param releasing the owner whose lease the update ends, or null to leave leases alone
   */
  private Updating updating(Enrollment enrollment, long expectedVersion, @Nullable String releasing) {
    Objects.requireNonNull(enrollment, "enrollment");
    EnrollmentId id = enrollment.id();
    if (enrollment.version() <= expectedVersion) {
      throw new VersionConflictException(id, expectedVersion,
          "the new version " + enrollment.version() + " must be greater than the expected one");
    }
    byte[] document = EnrollmentJson.toBytes(enrollment);
    String state = state(enrollment);
    Long nextActionAt = Micros.upOrNull(enrollment.nextActionAt());
    Enrollment before = recent.get(id);
    boolean known = before != null && before.version() == expectedVersion;
    boolean setState = !known || !Objects.equals(state(before), state);
    boolean setNextAction = !known || !Objects.equals(Micros.upOrNull(before.nextActionAt()), nextActionAt);
    String sql = UPDATES[(setState ? 1 : 0) | (setNextAction ? 2 : 0) | (releasing != null ? 4 : 0)];
    return new Updating("updating enrollment " + id, sql, statement -> {
      int next = 1;
      statement.setLong(next++, enrollment.version());
      statement.setBytes(next++, document);
      if (setState) {
        setNullableString(statement, next++, state);
      }
      if (setNextAction) {
        setNullableLong(statement, next++, nextActionAt);
      }
      if (releasing != null) {
        statement.setString(next++, releasing);
        statement.setString(next++, releasing);
      }
      statement.setString(next++, id.value());
      statement.setLong(next, expectedVersion);
    });
  }

  /** Keeps what was written, or reports the version that won instead. */
  private void updated(Enrollment enrollment, long expectedVersion, int count) {
    EnrollmentId id = enrollment.id();
    dropClaimedDocument(id);
    if (count == 0) {
      recent.forget(id);
      throw new VersionConflictException(id, expectedVersion, storedVersion(id)
          .map(v -> "the stored version is " + v).orElse("no enrollment with this id is stored"));
    }
    // A read that came after this write (another thread's, once the next group committed) keeps
    // what it read if that is newer.
    recent.putUnless(id, enrollment, kept -> kept.version() > enrollment.version());
  }

  private Optional<Long> storedVersion(EnrollmentId id) {
    return database.read("reading the version of enrollment " + id, connection -> {
      try (PreparedStatement statement = connection.prepareStatement("SELECT version FROM cps_enrollment WHERE id = ?")) {
        statement.setString(1, id.value());
        try (ResultSet row = statement.executeQuery()) {
          return row.next() ? Optional.of(row.getLong(1)) : Optional.empty();
        }
      }
    });
  }

  /**
   * Reads the document only if the row's version is not the one of the enrollment last written or
   * read here: one query either way.
   *
   * @throws CorruptEnrollmentException if the stored document cannot be read
   */
  @Override
  public Optional<Enrollment> find(EnrollmentId id) {
    Objects.requireNonNull(id, "id");
    Enrollment known = recent.get(id);
    Lease lease = heldLease(id);
    if (lease != null && known != null) {
      return Optional.of(known);
    }
    if (lease != null && lease.document() != null) {
      dropClaimedDocument(id);
      return Optional.of(remember(decode(id, lease.document())));
    }
    long knownVersion = known == null ? Long.MIN_VALUE : known.version();
    record Row(long version, byte @Nullable [] document) {}
    Row row = database.read("reading enrollment " + id, connection -> {
      try (PreparedStatement statement = connection.prepareStatement("SELECT version,"
          + " CASE WHEN version = ? THEN NULL ELSE document END FROM cps_enrollment WHERE id = ?")) {
        statement.setLong(1, knownVersion);
        statement.setString(2, id.value());
        try (ResultSet result = statement.executeQuery()) {
          return result.next() ? new Row(result.getLong(1), result.getBytes(2)) : null;
        }
      }
    });
    if (row == null) {
      recent.forget(id);
      return Optional.empty();
    }
    if (known != null && row.version() == knownVersion) {
      return Optional.of(known);
    }
    return Optional.of(remember(decode(id, Objects.requireNonNull(row.document(), "document"))));
  }

  /**
   * Every enrollment whose document can be read, in id order. A corrupt row is logged with its id
   * and left out, so that one bad row does not hide all the others from the host; {@link
   * JdbcStores#corruptEnrollments()} lists such rows.
   */
  @Override
  public List<Enrollment> list() {
    List<Enrollment> all = new ArrayList<>();
    forEachRow(row -> {
      try {
        all.add(decode(row.id(), row.document()));
      } catch (CorruptEnrollmentException e) {
        log.error("Leaving enrollment {} out of the list: {}", row.id(), e.getMessage());
      }
    });
    // The database's order of ids need not be Java's (a PostgreSQL column with another collation).
    all.sort(Comparator.comparing(Enrollment::id));
    return all;
  }

  /** The ids of the rows whose documents cannot be read, in id order. */
  List<CorruptEnrollmentException> corrupt() {
    List<CorruptEnrollmentException> corrupt = new ArrayList<>();
    forEachRow(row -> {
      try {
        decode(row.id(), row.document());
      } catch (CorruptEnrollmentException e) {
        corrupt.add(e);
      }
    });
    corrupt.sort(Comparator.comparing(CorruptEnrollmentException::enrollment));
    return corrupt;
  }

  private record Row(EnrollmentId id, byte[] document) {}

  private interface RowConsumer {
    void accept(Row row);
  }

  private static final int PAGE = 256;

  /** Walks the table in pages of ids, so that no driver holds a whole large table in memory. */
  private void forEachRow(RowConsumer consumer) {
    String after = "";
    while (true) {
      String from = after;
      List<Row> page = database.read("listing enrollments", connection -> {
        try (PreparedStatement statement = connection.prepareStatement(
            "SELECT id, document FROM cps_enrollment WHERE id > ? ORDER BY id LIMIT " + PAGE)) {
          statement.setString(1, from);
          List<Row> rows = new ArrayList<>(PAGE);
          try (ResultSet result = statement.executeQuery()) {
            while (result.next()) {
              rows.add(new Row(EnrollmentId.of(result.getString(1)), result.getBytes(2)));
            }
          }
          return rows;
        }
      });
      page.forEach(consumer::accept);
      if (page.size() < PAGE) {
        return;
      }
      after = page.get(page.size() - 1).id().value();
    }
  }

  private static Enrollment decode(EnrollmentId id, byte[] document) {
    Enrollment enrollment;
    try {
      enrollment = EnrollmentJson.fromBytes(document);
    } catch (CorruptDocumentException e) {
      throw new CorruptEnrollmentException(id, e.getMessage(), e);
    }
    if (!enrollment.id().equals(id)) {
      throw new CorruptEnrollmentException(id, "the document names enrollment " + enrollment.id(),
          new IllegalStateException("row " + id + " holds the document of " + enrollment.id()));
    }
    return enrollment;
  }

  @Override
  public List<EnrollmentId> due(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    requireLimit(limit);
    if (limit == 0) {
      return List.of();
    }
    long at = Micros.down(now);
    return database.read("finding due enrollments", connection -> {
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT id FROM cps_enrollment WHERE next_action_at <= ? AND (lease_until IS NULL OR lease_until <= ?)"
              + " ORDER BY next_action_at, id LIMIT ?")) {
        statement.setLong(1, at);
        statement.setLong(2, at);
        statement.setInt(3, limit);
        List<EnrollmentId> due = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            due.add(EnrollmentId.of(rows.getString(1)));
          }
        }
        return due;
      }
    });
  }

  /**
   * The earliest next action not held back by a live lease, or, if earlier, the instant a live
   * lease on a due enrollment runs out (or its next action, whichever is later). Both come from
   * indexes: the first walks the due index past the leased rows, the second the lease index.
   */
  @Override
  public Optional<Instant> nextDue() {
    long now = Micros.down(clock.instant());
    return database.read("finding the next due enrollment", connection -> {
      Long free = single(connection, "SELECT next_action_at FROM cps_enrollment WHERE next_action_at IS NOT NULL"
          + " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_action_at, id LIMIT 1", now);
      Long leased = single(connection, "SELECT MIN(CASE WHEN next_action_at > lease_until THEN next_action_at"
          + " ELSE lease_until END) FROM cps_enrollment WHERE lease_until > ? AND next_action_at IS NOT NULL", now);
      if (free == null || leased == null) {
        Long either = free != null ? free : leased;
        return either == null ? Optional.<Instant>empty() : Optional.of(Micros.instant(either));
      }
      return Optional.of(Micros.instant(Math.min(free, leased)));
    });
  }

  private static @Nullable Long single(Connection connection, String sql, long parameter) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, parameter);
      try (ResultSet row = statement.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        long value = row.getLong(1);
        return row.wasNull() ? null : value;
      }
    }
  }

  @Override
  public List<EnrollmentId> claim(Instant now, int limit, String owner, Duration lease) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(lease, "lease");
    requireLimit(limit);
    requirePositive(lease);
    if (limit == 0) {
      return List.of();
    }
    long at = Micros.down(now);
    long until = Micros.up(now.plus(lease));
    // The lease as long as asked, on this store's clock: the engine's "now" may come from another
    // clock (a test's), by which a lease would look long gone or everlasting here. Read before the
    // claim, which may wait (for a group, for another process's lock): the lease kept here must
    // not outlast the one in the database, which counts from before that wait.
    Instant leaseEnd = clock.instant().plus(lease);
    record Claimed(long nextActionAt, EnrollmentId id, long version, byte[] document) {}
    List<Claimed> claimedRows = database.writing("claiming due enrollments for " + owner, connection -> {
      List<Claimed> claimed = new ArrayList<>();
      try (PreparedStatement statement = connection.prepareStatement(database.dialect.claimDue())) {
        statement.setString(1, owner);
        statement.setLong(2, until);
        statement.setLong(3, at);
        statement.setLong(4, at);
        statement.setInt(5, limit);
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            claimed.add(new Claimed(rows.getLong(2), EnrollmentId.of(rows.getString(1)), rows.getLong(3),
                rows.getBytes(4)));
          }
        }
      }
      return claimed;
    });
    for (Claimed row : claimedRows) {
      Enrollment known = recent.get(row.id());
      // A newer version known here was written in the claim's own transaction, after the claim
      // read the row (SQLite commits a claim and this process's writes in one group).
      if (known != null && known.version() >= row.version()) {
        leased.put(row.id(), new Lease(leaseEnd, null));
      } else {
        recent.forget(row.id()); // written elsewhere since this store last saw it, or not seen lately
        leased.put(row.id(), new Lease(leaseEnd, row.document()));
      }
    }
    return claimedRows.stream()
        .sorted(Comparator.comparingLong(Claimed::nextActionAt).thenComparing(Claimed::id))
        .map(Claimed::id)
        .toList();
  }

  /**
   * One transaction. The lease is taken by a statement that takes the row's lock (PostgreSQL) or
   * the write lock (SQLite) before it reads, so two owners cannot both find the row free; if it was
   * not free, the row says whose lease holds it. On PostgreSQL that owner may release between the
   * two statements: then the lease is taken again.
   */
  @Override
  public boolean lease(EnrollmentId id, String owner, Instant now, Duration lease) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    requirePositive(lease);
    long at = Micros.down(now);
    long until = Micros.up(now.plus(lease));
    return database.transaction("leasing enrollment " + id + " to " + owner, connection -> {
      for (int attempt = 1; ; attempt++) {
        try (PreparedStatement take = connection.prepareStatement("UPDATE cps_enrollment"
            + " SET lease_owner = ?, lease_until = ? WHERE id = ? AND (lease_until IS NULL OR lease_until <= ?)")) {
          take.setString(1, owner);
          take.setLong(2, until);
          take.setString(3, id.value());
          take.setLong(4, at);
          if (take.executeUpdate() == 1) {
            return true;
          }
        }
        try (PreparedStatement read = connection.prepareStatement(
            "SELECT lease_owner, lease_until FROM cps_enrollment WHERE id = ?")) {
          read.setString(1, id.value());
          try (ResultSet row = read.executeQuery()) {
            if (!row.next()) {
              return false;
            }
            String holder = row.getString(1);
            long end = row.getLong(2);
            boolean live = !row.wasNull() && end > at;
            if (live) {
              if (owner.equals(holder)) {
                return false;
              }
              throw new EnrollmentLeasedException(id, String.valueOf(holder), Micros.instant(end));
            }
          }
        }
        if (attempt == MAX_LEASE_ATTEMPTS) {
          throw new IllegalStateException("the lease on enrollment " + id + " changed hands " + attempt
              + " times while " + owner + " tried to take it");
        }
      }
    });
  }

  @Override
  public void release(EnrollmentId id, String owner) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    leased.remove(id);
    database.writeLater("releasing the lease of " + owner + " on enrollment " + id,
        "UPDATE cps_enrollment SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
        statement -> {
          statement.setString(1, id.value());
          statement.setString(2, owner);
        });
  }

  /** One transaction: each lease extended only where the owner still holds it at {@code now}. */
  @Override
  public Set<EnrollmentId> renew(Collection<EnrollmentId> ids, String owner, Instant now, Duration lease) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    requirePositive(lease);
    if (ids.isEmpty()) {
      return Set.of();
    }
    long at = Micros.down(now);
    long until = Micros.up(now.plus(lease));
    Instant leaseEnd = clock.instant().plus(lease); // on this store's clock, as a claim's, read before the wait
    List<EnrollmentId> asked = List.copyOf(ids);
    Set<EnrollmentId> renewed = database.transaction("renewing the leases of " + owner, connection -> {
      Set<EnrollmentId> extended = new LinkedHashSet<>();
      try (PreparedStatement statement = connection.prepareStatement("UPDATE cps_enrollment SET lease_until = ?"
          + " WHERE id = ? AND lease_owner = ? AND lease_until > ?")) {
        for (EnrollmentId id : asked) {
          statement.setLong(1, until);
          statement.setString(2, id.value());
          statement.setString(3, owner);
          statement.setLong(4, at);
          statement.addBatch();
        }
        // One round trip to PostgreSQL; each count says whether that lease was still the owner's.
        int[] counts = statement.executeBatch();
        for (int i = 0; i < counts.length; i++) {
          if (counts[i] > 0) {
            extended.add(asked.get(i));
          }
        }
      }
      return extended;
    });
    for (EnrollmentId id : renewed) {
      leased.computeIfPresent(id, (key, held) -> new Lease(leaseEnd, held.document()));
    }
    return renewed;
  }

  /**
   * Keeps what was read, unless a write or claim on another thread passed this read: an older
   * version is not kept.
   */
  private Enrollment remember(Enrollment read) {
    recent.putUnless(read.id(), read, kept -> kept.version() > read.version());
    return read;
  }

  private void dropClaimedDocument(EnrollmentId id) {
    leased.computeIfPresent(id, (key, held) -> held.withoutDocument());
  }

  private @Nullable Lease heldLease(EnrollmentId id) {
    Lease lease = leased.get(id);
    if (lease == null) {
      return null;
    }
    if (clock.instant().isBefore(lease.until())) {
      return lease;
    }
    leased.remove(id, lease); // ran out: another engine may have the row now
    return null;
  }

  /** The open change's state, else the newest change's, else none: what an operator counts by. */
  private static @Nullable String state(Enrollment enrollment) {
    return enrollment.latestChange().map(Change::state).map(s -> s.name()).orElse(null);
  }

  private static void requirePositive(Duration lease) {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, was " + lease);
    }
  }

  private static void requireLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative, was " + limit);
    }
  }

  private static void setNullableString(PreparedStatement statement, int index, @Nullable String value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.VARCHAR);
    } else {
      statement.setString(index, value);
    }
  }

  private static void setNullableLong(PreparedStatement statement, int index, @Nullable Long value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, value);
    }
  }

  @Override
  public String toString() {
    return "JdbcEnrollmentStore[" + database.dialect + "]";
  }
}
