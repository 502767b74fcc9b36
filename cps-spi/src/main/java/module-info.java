/** Plug-in contracts of CPS for Java and the values they exchange. */
module dev.cps.spi {
  requires static transitive org.jspecify;

  exports dev.cps.spi;

  uses dev.cps.spi.CertificateAuthorityProvider;
  uses dev.cps.spi.EnrollmentStoreProvider;
  uses dev.cps.spi.PrivateKeyStoreProvider;
  uses dev.cps.spi.DeploymentNetworkProvider;
}
