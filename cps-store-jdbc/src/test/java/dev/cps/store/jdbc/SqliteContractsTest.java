package dev.cps.store.jdbc;

/** The testkit's store, lease and key-store contracts on SQLite. */
class SqliteContractsTest extends StoreContracts {
  SqliteContractsTest() {
    super(Databases.SQLITE);
  }
}
