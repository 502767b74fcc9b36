/** Enrollment and private-key stores over JDBC: SQLite as the embedded default, PostgreSQL for clusters. */
module dev.cps.store.jdbc {
  requires transitive dev.cps.spi;
  requires transitive java.sql;
  requires dev.cps.core;
  requires com.zaxxer.hikari;
  requires org.xerial.sqlitejdbc;
  requires org.postgresql.jdbc;
  requires org.bouncycastle.provider;
  requires org.slf4j;
  requires static org.jspecify;

  exports dev.cps.store.jdbc;

  provides dev.cps.spi.EnrollmentStoreProvider with dev.cps.store.jdbc.JdbcEnrollmentStoreProvider;
  provides dev.cps.spi.PrivateKeyStoreProvider with dev.cps.store.jdbc.JdbcPrivateKeyStoreProvider;
}
