package dev.cps.spi;

/** What a change waits for from a person. */
public enum InputKind {
  /** DV challenges must be placed by hand; say when they are in place. */
  CHALLENGES,
  /** Post-verification warnings must be accepted or denied. */
  WARNINGS,
  /** The certificate is on staging; acknowledge the staging test. */
  STAGING_TEST
}
