package dev.cps.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The contracts through a host's own pool whose connections are not in auto-commit: every write is
 * committed all the same (such a pool rolls back what is left uncommitted when a connection goes
 * back), and SQLite's transactions stay the stores' own.
 */
abstract class HostPoolContracts extends StoreContracts {
  private HikariDataSource pool;

  HostPoolContracts(Databases database) {
    super(database);
  }

  @Override
  JdbcStores open(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setAutoCommit(false);
    config.setMaximumPoolSize(4);
    config.addDataSourceProperty("busy_timeout", "30000"); // SQLite's; PostgreSQL's driver ignores it
    pool = new HikariDataSource(config);
    return JdbcStores.builder().dataSource(pool).keyEncryptionKey(TestKeks.first()).build();
  }

  @Override
  void closed() {
    pool.close();
  }
}
