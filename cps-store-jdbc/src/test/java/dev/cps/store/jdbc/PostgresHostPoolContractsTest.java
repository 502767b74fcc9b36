package dev.cps.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;

/**
 * The contracts on PostgreSQL through a host's own pool whose connections are not in auto-commit:
 * every write is committed all the same (the pool would roll it back when the connection goes back).
 */
class PostgresHostPoolContractsTest extends StoreContracts {
  private HikariDataSource pool;

  PostgresHostPoolContractsTest() {
    super(Databases.POSTGRESQL);
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
