/** Benchmarks that print figures against a baseline measured in the same run. Not tests. */
module dev.cps.benchmarks {
  requires dev.cps.core;
  requires dev.cps.testkit;
  requires dev.cps.store.jdbc;
  requires java.sql;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires jdk.management;
}
