package dev.cps.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * A domain-control challenge for one name of an order: what must be published, and where.
 *
 * @param id the CA's identifier of the challenge, stable across polls
 * @param authorization the CA's identifier of the name's authorization: the challenges a CA offers
 *     for one name (HTTP-01, DNS-01, ...) share it, and answering one of them answers the name
 * @param domain the name being validated, without any wildcard label
 * @param keyAuthorization the token joined with the account key's thumbprint (RFC 8555 8.1)
 */
public record Challenge(
    String id, String authorization, ChallengeType type, String domain, String token, String keyAuthorization) {
  public Challenge {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(authorization, "authorization");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(keyAuthorization, "keyAuthorization");
  }

  /** HTTP-01: the path the key authorization must be served at. */
  public String httpPath() {
    return "/.well-known/acme-challenge/" + token;
  }

  /** HTTP-01: the body to serve at {@link #httpPath()}. */
  public String httpBody() {
    return keyAuthorization;
  }

  /** DNS-01: the name of the TXT record. */
  public String dnsRecordName() {
    return "_acme-challenge." + domain;
  }

  /** DNS-01: the value of the TXT record, the base64url SHA-256 digest of the key authorization. */
  public String dnsRecordValue() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(keyAuthorization.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
