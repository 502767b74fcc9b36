package dev.cps.testkit;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Hands out the fake CA's DV challenges: one per name, with a fresh random token, and ids numbered
 * across the whole CA so that a challenge names itself unambiguously in a test's assertions.
 * Mutable; every access holds the CA's lock.
 */
final class ChallengeMinter {
  private final SecureRandom random = new SecureRandom();
  private int count;

  /** One challenge of this type per name; a wildcard is validated at its base domain. */
  List<Challenge> mint(ChallengeType type, List<String> names) {
    List<Challenge> challenges = new ArrayList<>();
    for (String name : names) {
      byte[] bytes = new byte[32];
      random.nextBytes(bytes);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      String domain = name.startsWith("*.") ? name.substring(2) : name;
      challenges.add(new Challenge("challenge-" + (++count), type, domain, token,
          token + "." + FakeCertificateAuthority.ACCOUNT_THUMBPRINT));
    }
    return challenges;
  }
}
