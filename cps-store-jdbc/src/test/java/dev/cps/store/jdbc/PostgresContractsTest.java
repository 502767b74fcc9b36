package dev.cps.store.jdbc;

/** The testkit's store, lease and key-store contracts on PostgreSQL. */
class PostgresContractsTest extends StoreContracts {
  PostgresContractsTest() {
    super(Databases.POSTGRESQL);
  }
}
