package dev.cps.testkit;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Hands out the fake CA's DV challenges: for each name an authorization with one challenge per
 * type, each with a fresh random token, and ids numbered across the whole CA so that a challenge
 * names itself unambiguously in a test's assertions. Mutable; every access holds the CA's lock.
 */
final class ChallengeMinter {
  private final SecureRandom random = new SecureRandom();
  private final String instance;
  private int count;
  private int authorizations;

  /** @param instance what marks the ids as this CA's */
  ChallengeMinter(String instance) {
    this.instance = instance;
  }

  /**
   * One challenge of each type per name; a wildcard is validated at its base domain, by DNS-01
   * alone, whatever the types (as ACME CAs do: RFC 8555 section 7.1.3).
   */
  List<Challenge> mint(List<ChallengeType> types, List<String> names) {
    List<Challenge> challenges = new ArrayList<>();
    for (String name : names) {
      boolean wildcard = name.startsWith("*.");
      String domain = wildcard ? name.substring(2) : name;
      String authorization = "authz-" + instance + "-" + (++authorizations);
      List<ChallengeType> offered = wildcard ? List.of(ChallengeType.DNS_01) : types;
      for (ChallengeType type : offered) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        challenges.add(new Challenge("challenge-" + instance + "-" + (++count), authorization, type, domain, token,
            token + "." + FakeCertificateAuthority.ACCOUNT_THUMBPRINT));
      }
    }
    return challenges;
  }
}
