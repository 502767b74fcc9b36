/** Benchmarks that print figures against a baseline measured in the same run. Not tests. */
module dev.cps.benchmarks {
  requires dev.cps.core;
  requires dev.cps.testkit;
  requires dev.cps.store.jdbc;
  requires java.sql;
  requires dev.cps.ca.acme;
  requires org.shredzone.acme4j;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires java.net.http;
  requires jdk.management;
}
