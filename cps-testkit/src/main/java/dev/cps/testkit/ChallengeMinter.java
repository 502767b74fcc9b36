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
  private int count;
  private int authorizations;

  /**
   * One challenge of each type per name; a wildcard is validated at its base domain, by DNS-01
   * only when DNS-01 is among the types (as ACME CAs do).
   */
  List<Challenge> mint(List<ChallengeType> types, List<String> names) {
    List<Challenge> challenges = new ArrayList<>();
    for (String name : names) {
      boolean wildcard = name.startsWith("*.");
      String domain = wildcard ? name.substring(2) : name;
      String authorization = "authz-" + (++authorizations);
      List<ChallengeType> offered = wildcard && types.contains(ChallengeType.DNS_01)
          ? List.of(ChallengeType.DNS_01) : types;
      for (ChallengeType type : offered) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        challenges.add(new Challenge("challenge-" + (++count), authorization, type, domain, token,
            token + "." + FakeCertificateAuthority.ACCOUNT_THUMBPRINT));
      }
    }
    return challenges;
  }
}
