package dev.cps.store.jdbc;

import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.testkit.contract.EnrollmentLeaseContract;
import dev.cps.testkit.contract.EnrollmentStoreContract;
import dev.cps.testkit.contract.PrivateKeyStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's store, lease and key-store contracts on one database, emptied before each test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StoreContracts {
  private final Databases database;
  private JdbcStores stores;

  StoreContracts(Databases database) {
    this.database = database;
  }

  @BeforeAll
  void open(@TempDir Path directory) {
    stores = open(database.newUrl(directory));
  }

  /** The stores under test on a new database. */
  JdbcStores open(String url) {
    return JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.first()).build();
  }

  @AfterAll
  void close() {
    stores.close();
    closed();
  }

  /** After the stores closed: what {@link #open(String)} opened for them besides. */
  void closed() {}


  @Nested
  class Enrollments extends EnrollmentStoreContract {
    @Override
    protected EnrollmentStore newStore() {
      Databases.truncate(stores);
      return stores.enrollments();
    }
  }

  @Nested
  class Leases extends EnrollmentLeaseContract {
    @Override
    protected EnrollmentStore newStore() {
      Databases.truncate(stores);
      return stores.enrollments();
    }
  }

  @Nested
  class Keys extends PrivateKeyStoreContract {
    @Override
    protected PrivateKeyStore newStore() {
      Databases.truncate(stores);
      return stores.keys();
    }
  }
}
