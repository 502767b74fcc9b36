package dev.cps.ca.acme;

import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import java.util.Objects;
import java.util.Set;

/** Answers DNS-01 challenges (wildcards included) through a {@link DnsRecordPublisher}. */
public final class Dns01Solver implements ChallengeSolver {
  private final DnsRecordPublisher publisher;

  private Dns01Solver(DnsRecordPublisher publisher) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
  }

  public static Dns01Solver publishingTo(DnsRecordPublisher publisher) {
    return new Dns01Solver(publisher);
  }

  @Override
  public Set<ChallengeType> types() {
    return Set.of(ChallengeType.DNS_01);
  }

  @Override
  public void present(Challenge challenge) {
    requireDns(challenge);
    publisher.present(challenge.dnsRecordName(), challenge.dnsRecordValue());
  }

  @Override
  public void cleanUp(Challenge challenge) {
    requireDns(challenge);
    publisher.remove(challenge.dnsRecordName(), challenge.dnsRecordValue());
  }

  private static void requireDns(Challenge challenge) {
    if (challenge.type() != ChallengeType.DNS_01) {
      throw new IllegalArgumentException("a DNS-01 solver cannot answer a " + challenge.type() + " challenge");
    }
  }

  @Override
  public String toString() {
    return "Dns01Solver[" + publisher + "]";
  }
}
