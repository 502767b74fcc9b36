/** The provisioning engine and its fluent API. */
module dev.cps.core {
  requires transitive dev.cps.spi;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires org.slf4j;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;

  exports dev.cps;
  exports dev.cps.internal.crypto to dev.cps.testkit, dev.cps.benchmarks, dev.cps.store.jdbc;
  exports dev.cps.internal.json to dev.cps.testkit, dev.cps.benchmarks, dev.cps.store.jdbc;

  uses dev.cps.spi.CertificateAuthorityProvider;
  uses dev.cps.spi.EnrollmentStoreProvider;
  uses dev.cps.spi.PrivateKeyStoreProvider;
  uses dev.cps.spi.DeploymentNetworkProvider;
}
