package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
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
}
