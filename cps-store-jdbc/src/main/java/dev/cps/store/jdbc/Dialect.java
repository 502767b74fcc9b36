package dev.cps.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** What differs between the databases this module speaks to; everything else is the same SQL. */
enum Dialect {
  SQLITE("sqlite") {
    @Override
    String claimDue() {
      // One UPDATE statement takes SQLite's single write lock before it reads, as BEGIN IMMEDIATE
      // would: no other writer can claim the same rows between the choice and the lease.
      return "UPDATE cps_enrollment SET lease_owner = ?, lease_until = ? WHERE id IN ("
          + "SELECT id FROM cps_enrollment WHERE next_action_at <= ?"
          + " AND (lease_until IS NULL OR lease_until <= ?)"
          + " ORDER BY next_action_at, id LIMIT ?) RETURNING id, next_action_at, version, document";
    }
  },
  POSTGRESQL("postgresql") {
    @Override
    String claimDue() {
      // Rows another node is claiming right now are skipped, not waited for.
      return "UPDATE cps_enrollment SET lease_owner = ?, lease_until = ? WHERE id IN ("
          + "SELECT id FROM cps_enrollment WHERE next_action_at <= ?"
          + " AND (lease_until IS NULL OR lease_until <= ?)"
          + " ORDER BY next_action_at, id LIMIT ? FOR UPDATE SKIP LOCKED)"
          + " RETURNING id, next_action_at, version, document";
    }
  };

  /** The folder of this dialect's migration scripts. */
  final String scripts;

  Dialect(String scripts) {
    this.scripts = scripts;
  }

  /**
   * Leases due rows to an owner. Parameters: owner, lease end, now, now, limit. Returns
   * the claimed ids with their next action, version and document, in no particular order.
   */
  abstract String claimDue();

  static Dialect of(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
    if (name.contains("sqlite")) {
      return SQLITE;
    }
    if (name.contains("postgresql")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException("database '" + product + "' is not supported: use SQLite or PostgreSQL");
  }
}
