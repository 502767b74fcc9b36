package dev.cps.spi;

/** The two networks a certificate passes through. */
public enum NetworkRole {
  STAGING,
  PRODUCTION
}
