package dev.cps.spi;

/** Why a certificate is revoked: the CRL reason codes of RFC 5280 5.3.1 that a subscriber may give. */
public enum RevocationReason {
  UNSPECIFIED(0),
  KEY_COMPROMISE(1),
  AFFILIATION_CHANGED(3),
  SUPERSEDED(4),
  CESSATION_OF_OPERATION(5);

  private final int code;

  RevocationReason(int code) {
    this.code = code;
  }

  /** The reason code as RFC 5280 numbers it. */
  public int code() {
    return code;
  }
}
