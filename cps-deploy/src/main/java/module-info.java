/**
 * Deployment networks that serve certificates for real: versioned files with an atomic switch and a
 * reload command (nginx and the like), an in-process key manager for Java servers, and a TLS probe
 * that checks from outside what a server serves.
 */
module dev.cps.deploy {
  requires transitive dev.cps.spi;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires org.slf4j;

  exports dev.cps.deploy;

  provides dev.cps.spi.DeploymentNetworkProvider with dev.cps.deploy.FileSystemNetworkProvider;
}
