package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import java.nio.file.Path;
import java.nio.file.Files;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/** The settings an SQLite pool opens its connections with. */
class PoolsTest {
  @TempDir
  Path directory;

  /** The driver's default runs a rowid query after every INSERT, in the one writer's time. */
  @Test
  void sqliteConnectionsFetchNoGeneratedKeys() throws Exception {
    try (HikariDataSource pool = Pools.open("jdbc:sqlite:" + directory.resolve("pool.db"), 0, "FULL");
        Connection connection = pool.getConnection()) {
      assertThat(connection.unwrap(SQLiteConnection.class).getConnectionConfig().isGetGeneratedKeys()).isFalse();
    }
  }

  /** The stores keep one connection for writing: with one in all, every read would wait for it in vain. */
  @Test
  void anSqlitePoolOfOneConnectionIsRefusedBeforeAnythingIsOpened() {
    Path file = directory.resolve("one.db");
    assertThatThrownBy(() -> JdbcStores.builder().url("jdbc:sqlite:" + file).poolSize(1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poolSize must be at least 2 for SQLite")
        .hasMessageContaining("was 1");
    assertThat(Files.exists(file)).as("database file created").isFalse();
    try (JdbcStores two = JdbcStores.builder().url("jdbc:sqlite:" + file).poolSize(2).build()) {
      assertThat(two.enrollments().list()).isEmpty();
    }
  }

  /** A store refused when it opens (here: the wrong KEK) hands the host's pool every connection back. */
  @Test
  void aStoreRefusedWhenItOpensHandsEveryConnectionBack() {
    String url = "jdbc:sqlite:" + directory.resolve("refused.db");
    try (JdbcStores first = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.first()).build()) {
      first.keys().generate(KeyId.of("k"), KeyType.EC_P256);
    }
    try (HikariDataSource host = Pools.open(url, 4, "FULL")) {
      assertThatThrownBy(() -> JdbcStores.builder().dataSource(host).keyEncryptionKey(TestKeks.impostor()).build())
          .isInstanceOf(WrongKeyEncryptionKeyException.class);
      assertThat(host.getHikariPoolMXBean().getActiveConnections()).as("connections still out").isZero();
    }
  }
}
