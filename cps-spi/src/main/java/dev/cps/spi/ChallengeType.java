package dev.cps.spi;

/** The kinds of domain-control challenge a CA may ask for (RFC 8555 section 8, RFC 8737). */
public enum ChallengeType {
  HTTP_01,
  DNS_01,
  TLS_ALPN_01
}
