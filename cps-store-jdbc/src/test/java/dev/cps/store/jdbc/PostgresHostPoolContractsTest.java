package dev.cps.store.jdbc;

/** The contracts on PostgreSQL through a host's pool outside auto-commit. */
class PostgresHostPoolContractsTest extends HostPoolContracts {
  PostgresHostPoolContractsTest() {
    super(Databases.POSTGRESQL);
  }
}
