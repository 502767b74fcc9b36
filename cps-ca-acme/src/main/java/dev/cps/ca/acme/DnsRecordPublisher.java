package dev.cps.ca.acme;

/**
 * Writes and removes DNS TXT records for DNS-01, through whatever controls the zone (a DNS
 * provider's API, an RFC 2136 update, a test server). Several values may live under one name at
 * once (a name and its wildcard are validated with two).
 */
public interface DnsRecordPublisher {

  /**
   * Adds a TXT record; returns once the CA's resolvers can see it.
   *
   * @param name the record's name, such as {@code _acme-challenge.www.example.com}, without a trailing dot
   */
  void present(String name, String value);

  /** Removes the TXT record with this value; nothing happens if there is none. */
  void remove(String name, String value);
}
