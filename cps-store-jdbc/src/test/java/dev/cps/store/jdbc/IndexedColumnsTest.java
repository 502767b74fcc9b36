package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.internal.json.EnrollmentJson;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An update sets the queried columns that changed since the version it replaces, when the store
 * knows that version, and all of them otherwise: the columns always match the row's document.
 */
class IndexedColumnsTest {
  private static final Instant T0 = Instant.parse("2026-03-02T09:30:00Z");
  private static final EnrollmentId ID = EnrollmentId.of("indexed");

  @TempDir
  Path directory;

  @ParameterizedTest
  @EnumSource(Databases.class)
  void eachUpdateLeavesTheColumnsOfItsOwnDocument(Databases kind) {
    try (JdbcStores stores = JdbcStores.builder().url(kind.newUrl(directory)).build()) {
      EnrollmentStore store = stores.enrollments();
      store.insert(enrollment(1, T0));
      assertThat(nextActionColumn(stores)).isEqualTo(Micros.up(T0));

      store.update(enrollment(2, T0), 1);
      assertThat(nextActionColumn(stores)).as("kept").isEqualTo(Micros.up(T0));

      Instant later = T0.plus(Duration.ofDays(60));
      store.update(enrollment(3, later), 2);
      assertThat(nextActionColumn(stores)).as("moved").isEqualTo(Micros.up(later));

      store.updateAsync(enrollment(4, null), 3).join();
      assertThat(nextActionColumn(stores)).as("nothing due").isNull();
      assertThat(store.due(later.plus(Duration.ofDays(1)), 10)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aVersionWrittenElsewhereIsNotTakenForTheOneThisStoreKnows(Databases kind) {
    try (JdbcStores stores = JdbcStores.builder().url(kind.newUrl(directory)).build()) {
      EnrollmentStore store = stores.enrollments();
      store.insert(enrollment(1, T0)); // known here, due at T0

      Instant later = T0.plus(Duration.ofDays(60));
      writeVersion2AsAnotherProcess(stores, later);
      // Built on version 2 without reading it here: due at T0 again, as version 1 was.
      store.update(enrollment(3, T0), 2);

      assertThat(nextActionColumn(stores)).isEqualTo(Micros.up(T0));
      assertThat(store.due(T0, 10)).containsExactly(ID);
    }
  }

  private static Enrollment enrollment(long version, @Nullable Instant nextActionAt) {
    return new Enrollment(ID, version, EnrollmentRequest.builder().commonName("www.example.com").build(), T0,
        List.of(), null, null, List.of(), null, null, null, nextActionAt);
  }

  private static void writeVersion2AsAnotherProcess(JdbcStores stores, Instant nextActionAt) {
    Databases.sql(stores, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE cps_enrollment SET version = 2, next_action_at = ?, document = ? WHERE id = ?")) {
        update.setLong(1, Micros.up(nextActionAt));
        update.setBytes(2, EnrollmentJson.toBytes(enrollment(2, nextActionAt)));
        update.setString(3, ID.value());
        return update.executeUpdate();
      }
    });
  }

  private static @Nullable Long nextActionColumn(JdbcStores stores) {
    return Databases.sql(stores, connection -> {
      try (PreparedStatement query = connection.prepareStatement(
          "SELECT next_action_at FROM cps_enrollment WHERE id = ?")) {
        query.setString(1, ID.value());
        try (ResultSet row = query.executeQuery()) {
          assertThat(row.next()).isTrue();
          long value = row.getLong(1);
          return row.wasNull() ? null : value;
        }
      }
    });
  }
}
