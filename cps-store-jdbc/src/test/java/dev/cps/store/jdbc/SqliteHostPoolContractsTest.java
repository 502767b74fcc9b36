package dev.cps.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;

/**
 * The contracts on SQLite through a host's own pool whose connections are not in auto-commit: the
 * stores' transactions are their own all the same.
 */
class SqliteHostPoolContractsTest extends StoreContracts {
  private HikariDataSource pool;

  SqliteHostPoolContractsTest() {
    super(Databases.SQLITE);
  }

  @Override
  JdbcStores open(String url) {
    pool = poolOutsideAutoCommit(url);
    return JdbcStores.builder().dataSource(pool).keyEncryptionKey(TestKeks.first()).build();
  }

  @Override
  void closed() {
    pool.close();
  }
}
