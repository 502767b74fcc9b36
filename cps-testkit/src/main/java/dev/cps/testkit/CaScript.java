package dev.cps.testkit;

import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.RenewalWindow;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority.Alteration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a test scripted the fake CA to do: how long validation takes, how long certificates live,
 * and the queued rejections, refusals, outages and alterations that the CA consumes one by one as
 * it is called. Kept apart from the CA so that the CA reads as the protocol and this as the knobs.
 * Mutable; every access holds the CA's lock.
 */
final class CaScript {
  private static final Duration SHORT_LIFETIME = Duration.ofDays(1);

  private final Map<ValidationType, Duration> validationTimes = new EnumMap<>(Map.of(
      ValidationType.DV, Duration.ofMinutes(2), ValidationType.OV, Duration.ofDays(2),
      ValidationType.EV, Duration.ofDays(7), ValidationType.THIRD_PARTY, Duration.ZERO));
  private final Map<ValidationType, Duration> lifetimes = new EnumMap<>(ValidationType.class);
  private List<ChallengeType> challengeTypes = List.of();
  private final Deque<String> rejections = new ArrayDeque<>();
  private final Deque<String> invalidations = new ArrayDeque<>();
  private int failuresLeft;
  private @Nullable Duration failureRetryAfter;
  private final Set<Alteration> nextAlterations = EnumSet.noneOf(Alteration.class);
  private Function<CertificateChain, Optional<RenewalWindow>> renewalAdvice = chain -> Optional.empty();

  CaScript() {
    for (ValidationType type : ValidationType.values()) {
      lifetimes.put(type, Duration.ofDays(90));
    }
  }

  // ---- scripting -------------------------------------------------------------------------------

  void validationTime(ValidationType type, Duration time) {
    Objects.requireNonNull(type, "type");
    requireNotNegative("validationTime", time);
    validationTimes.put(type, time);
  }

  void lifetime(ValidationType type, Duration lifetime) {
    Objects.requireNonNull(type, "type");
    requirePositive("lifetime", lifetime);
    lifetimes.put(type, lifetime);
  }

  void lifetimeForAll(Duration lifetime) {
    requirePositive("lifetime", lifetime);
    lifetimes.replaceAll((type, old) -> lifetime);
  }

  void requireChallenges(List<ChallengeType> types) {
    challengeTypes = List.copyOf(types);
  }

  void rejectNext(String reason) {
    rejections.add(Objects.requireNonNull(reason, "reason"));
  }

  void invalidateNext(String reason) {
    invalidations.add(Objects.requireNonNull(reason, "reason"));
  }

  /** Replaces, not adds to, any failures still scripted: a test states the outage it wants. */
  void failNext(int times, @Nullable Duration retryAfter) {
    if (times < 0) {
      throw new IllegalArgumentException("times must not be negative, was " + times);
    }
    if (retryAfter != null) {
      requireNotNegative("retryAfter", retryAfter);
    }
    failuresLeft = times;
    failureRetryAfter = retryAfter;
  }

  void alterNext(Alteration... alterations) {
    nextAlterations.addAll(List.of(alterations));
  }

  void suggestRenewal(Duration startBeforeExpiry, Duration endBeforeExpiry) {
    requireNotNegative("startBeforeExpiry", startBeforeExpiry);
    requireNotNegative("endBeforeExpiry", endBeforeExpiry);
    if (endBeforeExpiry.compareTo(startBeforeExpiry) > 0) {
      throw new IllegalArgumentException("endBeforeExpiry (" + endBeforeExpiry
          + ") must not be longer than startBeforeExpiry (" + startBeforeExpiry + ")");
    }
    renewalAdvice(chain -> Optional.of(
        new RenewalWindow(chain.notAfter().minus(startBeforeExpiry), chain.notAfter().minus(endBeforeExpiry))));
  }

  void renewalAdvice(Function<CertificateChain, Optional<RenewalWindow>> advice) {
    renewalAdvice = Objects.requireNonNull(advice, "advice");
  }

  // ---- playing it out --------------------------------------------------------------------------

  /** Throws the next scripted outage, if one is left. Takes the clock: only an outage needs the time. */
  void failIfScripted(String caId, Clock clock) {
    if (failuresLeft > 0) {
      failuresLeft--;
      Instant retryAfter = failureRetryAfter == null ? null : clock.instant().plus(failureRetryAfter);
      throw new CaUnavailableException("fake CA unavailable (" + caId + ", scripted failure)", retryAfter, null);
    }
  }

  /** The next scripted rejection of a submission, or {@code null} to accept it. */
  @Nullable String pollRejection() {
    return rejections.poll();
  }

  /** The reason the next placed order will be refused for, or {@code null} to let it validate. */
  @Nullable String pollInvalidation() {
    return invalidations.poll();
  }

  /** The challenge type DV orders are handed, or {@code null} when they validate on their own. */
  /** The challenge types offered for each name of a DV order; empty: DV validates on its own. */
  List<ChallengeType> challengeTypes() {
    return challengeTypes;
  }

  Duration validationTime(ValidationType type) {
    return validationTimes.get(type);
  }

  /** Takes the alterations for the certificate about to be signed: they apply to that one only. */
  Set<Alteration> takeAlterations() {
    Set<Alteration> alterations = EnumSet.noneOf(Alteration.class);
    alterations.addAll(nextAlterations);
    nextAlterations.clear();
    return alterations;
  }

  /** The lifetime of a certificate for this type, unless its alterations shorten it. */
  Duration lifetime(ValidationType type, Set<Alteration> alterations) {
    return alterations.contains(Alteration.SHORT_LIFETIME) ? SHORT_LIFETIME : lifetimes.get(type);
  }

  Optional<RenewalWindow> renewalWindow(CertificateChain certificate) {
    return renewalAdvice.apply(certificate);
  }

  private static void requireNotNegative(String property, Duration value) {
    if (Objects.requireNonNull(value, property).isNegative()) {
      throw new IllegalArgumentException(property + " must not be negative, was " + value);
    }
  }

  private static void requirePositive(String property, Duration value) {
    if (Objects.requireNonNull(value, property).isNegative() || value.isZero()) {
      throw new IllegalArgumentException(property + " must be positive, was " + value);
    }
  }
}
