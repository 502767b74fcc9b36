package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.internal.json.CorruptDocumentException;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A row whose document cannot be read is reported with its id, and the other enrollments go on:
 * the engine quarantines the bad one, {@code list()} leaves it out, and {@link
 * JdbcStores#corruptEnrollments()} names it.
 */
class CorruptRowTest {
  @TempDir
  Path directory;

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aCorruptDocumentStopsOnlyItsOwnEnrollment(Databases kind) {
    try (LocalWorkflow workflow = new LocalWorkflow(kind.newUrl(directory), 2)) {
      List<Enrollment> enrolled = workflow.enroll(5, "corrupt.example");
      EnrollmentId broken = enrolled.get(1).id();
      EnrollmentId impostor = enrolled.get(3).id();
      overwriteDocument(workflow.stores, broken,
          ("{\"v\":1,\"id\":\"" + broken + "\",\"request\":").getBytes(StandardCharsets.UTF_8));
      overwriteDocument(workflow.stores, impostor, workflow.stores.database().read("copying a document",
          connection -> {
            try (PreparedStatement statement = connection.prepareStatement(
                "SELECT document FROM cps_enrollment WHERE id = ?")) {
              statement.setString(1, enrolled.get(0).id().value());
              try (var row = statement.executeQuery()) {
                row.next();
                return row.getBytes(1);
              }
            }
          }));

      workflow.runFor(Duration.ofHours(1));

      for (Enrollment healthy : List.of(enrolled.get(0), enrolled.get(2), enrolled.get(4))) {
        assertThat(workflow.provisioner.enrollment(healthy.id()).orElseThrow().production())
            .as("%s in production", healthy.id()).isNotNull();
      }
      assertThat(workflow.production.deployments()).hasSize(3);
      assertThatThrownBy(() -> workflow.stores.enrollments().find(broken))
          .isInstanceOf(CorruptEnrollmentException.class)
          .hasMessageContaining("enrollment " + broken)
          .hasCauseInstanceOf(CorruptDocumentException.class)
          .satisfies(e -> assertThat(((CorruptEnrollmentException) e).enrollment()).isEqualTo(broken));
      assertThatThrownBy(() -> workflow.stores.enrollments().find(impostor))
          .isInstanceOf(CorruptEnrollmentException.class)
          .hasMessageContaining("names enrollment " + enrolled.get(0).id());
      assertThat(workflow.provisioner.enrollments()).extracting(Enrollment::id)
          .containsExactlyInAnyOrder(enrolled.get(0).id(), enrolled.get(2).id(), enrolled.get(4).id())
          .isSorted();
      assertThat(workflow.stores.corruptEnrollments()).containsOnlyKeys(broken, impostor);
      assertThat(workflow.stores.corruptEnrollments().get(broken)).contains(broken.value());
    }
  }

  /** As another writer would, with the next version: what this store read or wrote before is stale. */
  private static void overwriteDocument(JdbcStores stores, EnrollmentId id, byte[] document) {
    Databases.sql(stores, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE cps_enrollment SET document = ?, version = version + 1 WHERE id = ?")) {
        update.setBytes(1, document);
        update.setString(2, id.value());
        return update.executeUpdate();
      }
    });
  }
}
