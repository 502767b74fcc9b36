package dev.cps.store.jdbc;

import dev.cps.spi.EnrollmentStore;
import dev.cps.testkit.contract.EnrollmentLeaseContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

class PostgresLeaseTest extends EnrollmentLeaseContract {
  @TempDir
  static Path directory;
  private static JdbcStores stores;

  @BeforeAll
  static void open() {
    stores = JdbcStores.builder().url(Databases.POSTGRESQL.newUrl(directory)).build();
  }

  @AfterAll
  static void close() {
    stores.close();
  }

  @Override
  protected EnrollmentStore newStore() {
    Databases.truncate(stores);
    return stores.enrollments();
  }
}
