package dev.cps.store.jdbc;

import dev.cps.spi.PrivateKeyStore;
import dev.cps.testkit.contract.PrivateKeyStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

class SqlitePrivateKeyStoreTest extends PrivateKeyStoreContract {
  @TempDir
  static Path directory;
  private static JdbcStores stores;

  @BeforeAll
  static void open() {
    stores = JdbcStores.builder().url(Databases.SQLITE.newUrl(directory))
        .keyEncryptionKey(TestKeks.first()).build();
  }

  @AfterAll
  static void close() {
    stores.close();
  }

  @Override
  protected PrivateKeyStore newStore() {
    Databases.truncate(stores);
    return stores.keys();
  }
}
