/**
 * Fakes that are real implementations of the CPS plug-in contracts, a clock tests can move, and
 * the contract tests every implementation of a contract must pass.
 */
module dev.cps.testkit {
  requires transitive dev.cps.spi;
  requires transitive dev.cps.core;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires transitive org.junit.jupiter.api;
  requires org.assertj.core;

  exports dev.cps.testkit;
  exports dev.cps.testkit.contract;
  exports dev.cps.testkit.junit;

  provides dev.cps.spi.CertificateAuthorityProvider with dev.cps.testkit.FakeCertificateAuthorityProvider;
  provides dev.cps.spi.EnrollmentStoreProvider with dev.cps.testkit.InMemoryEnrollmentStoreProvider;
  provides dev.cps.spi.PrivateKeyStoreProvider with dev.cps.testkit.InMemoryPrivateKeyStoreProvider;
  provides dev.cps.spi.DeploymentNetworkProvider with dev.cps.testkit.RecordingNetworkProvider;
}
