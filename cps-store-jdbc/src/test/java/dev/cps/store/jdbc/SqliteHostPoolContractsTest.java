package dev.cps.store.jdbc;

/** The contracts on SQLite through a host's pool outside auto-commit. */
class SqliteHostPoolContractsTest extends HostPoolContracts {
  SqliteHostPoolContractsTest() {
    super(Databases.SQLITE);
  }
}
