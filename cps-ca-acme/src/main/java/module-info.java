/** An ACME (RFC 8555) certificate authority on acme4j, with HTTP-01, DNS-01 and TLS-ALPN-01 solvers. */
module dev.cps.ca.acme {
  requires transitive dev.cps.spi;
  requires org.shredzone.acme4j;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires org.slf4j;
  requires java.net.http;
  requires jdk.httpserver;

  exports dev.cps.ca.acme;

  provides dev.cps.spi.CertificateAuthorityProvider with dev.cps.ca.acme.AcmeCertificateAuthorityProvider;
}
