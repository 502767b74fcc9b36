/**
 * An ACME certificate authority for CPS: {@link dev.cps.ca.acme.AcmeCertificateAuthority} orders
 * DV certificates from any RFC 8555 server (Let's Encrypt, ZeroSSL, Google, step-ca, Pebble), and
 * the solvers publish its challenges: {@link dev.cps.ca.acme.Http01Solver},
 * {@link dev.cps.ca.acme.Dns01Solver} and {@link dev.cps.ca.acme.TlsAlpn01Solver}.
 */
@NullMarked
package dev.cps.ca.acme;

import org.jspecify.annotations.NullMarked;
