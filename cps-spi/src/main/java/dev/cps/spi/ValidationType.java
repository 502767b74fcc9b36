package dev.cps.spi;

/** How the certificate authority validates the requester before it signs. */
public enum ValidationType {
  /** Domain validation: the CA checks control of each name, usually within minutes. */
  DV,
  /** Organization validation: the CA checks the organization; may take days. */
  OV,
  /** Extended validation: the strictest organization checks; may take a week. */
  EV,
  /** The certificate comes from a CA outside the library: a person uploads it. */
  THIRD_PARTY;

  /** Whether the request must name an organization and both contacts. */
  public boolean requiresOrganization() {
    return this == OV || this == EV;
  }
}
