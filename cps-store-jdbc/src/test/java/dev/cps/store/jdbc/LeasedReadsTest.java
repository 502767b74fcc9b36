package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cps.internal.json.EnrollmentJson;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.VersionConflictException;
import dev.cps.testkit.MutableClock;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * While a store holds the lease on a row it answers {@code find} from what it last wrote or read
 * there; another writer is caught by the version fence, and a claim or a conflict makes the store
 * read the row again.
 */
class LeasedReadsTest {
  private static final Instant T0 = Instant.parse("2026-03-02T09:30:00Z");
  private static final EnrollmentId ID = EnrollmentId.of("leased");
  private static final String OWNER = "node-a";
  private static final Duration LEASE = Duration.ofMinutes(5);

  @TempDir
  Path directory;

  private final MutableClock clock = MutableClock.at(T0);

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aLeasedRowIsReadFromMemoryUntilTheFenceCatchesAnotherWriter(Databases kind) {
    try (JdbcStores stores = open(kind)) {
      EnrollmentStore store = claimedAtVersion1(stores);

      writeAsAnotherProcess(stores, enrollment(2, T0));
      Enrollment seen = store.find(ID).orElseThrow();
      assertThat(seen.version()).as("read from memory while leased").isEqualTo(1);
      assertThatThrownBy(() -> store.update(seen.toBuilder().version(2).build(), 1))
          .isInstanceOf(VersionConflictException.class)
          .hasMessageContaining("the stored version is 2");
      assertThat(store.find(ID).orElseThrow().version()).as("read again after the conflict").isEqualTo(2);

      store.release(ID, OWNER);
      writeAsAnotherProcess(stores, enrollment(3, T0));
      assertThat(store.find(ID).orElseThrow().version()).as("checked against the row once released").isEqualTo(3);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aLeaseThatRanOutNoLongerVouchesForWhatIsInMemory(Databases kind) {
    try (JdbcStores stores = open(kind)) {
      EnrollmentStore store = claimedAtVersion1(stores);

      writeAsAnotherProcess(stores, enrollment(2, T0));
      clock.advance(LEASE);
      assertThat(store.find(ID).orElseThrow().version()).as("checked against the row").isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aLeaseIsTimedOnTheStoresClockWhicheverInstantTheClaimNames(Databases kind) {
    try (JdbcStores stores = open(kind)) {
      EnrollmentStore store = stores.enrollments();
      // An engine on a test clock that stands months behind this store's.
      Instant engineNow = T0.minus(Duration.ofDays(300));
      store.insert(enrollment(1, engineNow));
      assertThat(store.claim(engineNow, 10, OWNER, LEASE)).containsExactly(ID);
      assertThat(store.find(ID).orElseThrow().version()).isEqualTo(1);

      writeAsAnotherProcess(stores, enrollment(2, engineNow));
      assertThat(store.find(ID).orElseThrow().version()).as("read from memory while leased").isEqualTo(1);
      clock.advance(LEASE);
      assertThat(store.find(ID).orElseThrow().version()).as("checked against the row").isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aClaimOfARowWrittenElsewhereReadsItAgain(Databases kind) {
    try (JdbcStores stores = open(kind)) {
      EnrollmentStore store = stores.enrollments();
      store.insert(enrollment(1, null));
      assertThat(store.find(ID).orElseThrow().version()).isEqualTo(1);

      // A person's input through another process makes the enrollment due.
      writeAsAnotherProcess(stores, enrollment(2, T0));
      assertThat(store.claim(T0, 10, OWNER, LEASE)).containsExactly(ID);
      Enrollment claimed = store.find(ID).orElseThrow();
      assertThat(claimed.version()).isEqualTo(2);
      assertThat(claimed.nextActionAt()).isEqualTo(T0);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void theFirstReadOfAClaimedRowIsTheDocumentTheClaimReturned(Databases kind) {
    try (JdbcStores stores = open(kind)) {
      EnrollmentStore store = stores.enrollments();
      writeAsAnotherProcess(stores, null); // nothing of it in this store's memory
      assertThat(store.claim(T0, 10, OWNER, LEASE)).containsExactly(ID);

      writeAsAnotherProcess(stores, enrollment(2, T0));
      Enrollment claimed = store.find(ID).orElseThrow();
      assertThat(claimed.version()).as("as claimed, without a query").isEqualTo(1);
      assertThatThrownBy(() -> store.update(claimed.toBuilder().version(2).build(), 1))
          .isInstanceOf(VersionConflictException.class);
      assertThat(store.find(ID).orElseThrow().version()).as("read again after the conflict").isEqualTo(2);
    }
  }

  /**
   * SQLite commits a claim and this process's writes in one group: a write that follows the claim
   * there is newer than the row the claim read, and the claim does not undo it in memory.
   */
  @Test
  void aWriteCommittedAfterAClaimInItsGroupIsWhatTheLeaseReads() throws Exception {
    try (JdbcStores stores = open(Databases.SQLITE)) {
      EnrollmentStore store = stores.enrollments();
      store.insert(enrollment(1, T0));
      assertThat(store.find(ID).orElseThrow().version()).isEqualTo(1);
      ExecutorService threads = Executors.newFixedThreadPool(2);
      CountDownLatch release = Databases.holdAGroup(stores, threads);
      try {
        Future<List<EnrollmentId>> claim = threads.submit(() -> store.claim(T0, 10, OWNER, LEASE));
        await().atMost(Duration.ofSeconds(10)).until(() -> stores.database().queued() == 1);
        CompletableFuture<Void> written = store.updateAsync(enrollment(2, T0), 1);
        release.countDown();

        assertThat(claim.get(10, TimeUnit.SECONDS)).containsExactly(ID);
        written.get(10, TimeUnit.SECONDS);
        assertThat(store.find(ID).orElseThrow().version()).as("read under the lease").isEqualTo(2);
      } finally {
        release.countDown();
        threads.shutdown();
      }
    }
  }

  private JdbcStores open(Databases kind) {
    return JdbcStores.builder().url(kind.newUrl(directory)).clock(clock).build();
  }

  /** The enrollment at version 1, due at {@code T0}, claimed by {@code OWNER} and read since. */
  private static EnrollmentStore claimedAtVersion1(JdbcStores stores) {
    EnrollmentStore store = stores.enrollments();
    store.insert(enrollment(1, T0));
    assertThat(store.claim(T0, 10, OWNER, LEASE)).containsExactly(ID);
    assertThat(store.find(ID).orElseThrow().version()).isEqualTo(1);
    return store;
  }

  private static Enrollment enrollment(long version, @Nullable Instant nextActionAt) {
    return new Enrollment(ID, version, EnrollmentRequest.builder().commonName("www.example.com").build(), T0,
        List.of(), null, null, List.of(), null, null, null, nextActionAt);
  }

  /**
   * Past this store's objects, as another process on the same database would write; {@code null}
   * inserts version 1, due at {@code T0}.
   */
  private static void writeAsAnotherProcess(JdbcStores stores, @Nullable Enrollment next) {
    if (next == null) {
      Databases.sql(stores, connection -> {
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO cps_enrollment (id, version, next_action_at, document) VALUES (?, 1, ?, ?)")) {
          insert.setString(1, ID.value());
          insert.setLong(2, Micros.down(T0));
          insert.setBytes(3, EnrollmentJson.toBytes(enrollment(1, T0)));
          return insert.executeUpdate();
        }
      });
      return;
    }
    Databases.sql(stores, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE cps_enrollment SET version = ?, next_action_at = ?, document = ? WHERE id = ?")) {
        update.setLong(1, next.version());
        if (next.nextActionAt() == null) {
          update.setNull(2, Types.BIGINT);
        } else {
          update.setLong(2, Micros.down(next.nextActionAt()));
        }
        update.setBytes(3, EnrollmentJson.toBytes(next));
        update.setString(4, ID.value());
        return update.executeUpdate();
      }
    });
  }
}
