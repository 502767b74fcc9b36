package dev.cps.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a change stands. The engine moves a change from state to state, persisting each before its
 * next side effect; the states that wait for a person say so through {@link #inputNeeded()}.
 *
 * <pre>
 * KeyPending -> CsrReady -> Validating -> [[AwaitingChallenges ->] ChallengesInPlace ->] Validating
 *   -> [AwaitingWarningAcceptance ->] ReadyForStaging -> [AwaitingStagingTest | AwaitingDeploymentDate ->]
 *   ReadyForProduction -> Completed
 * any open state -> Cancelled | Failed
 * </pre>
 */
public sealed interface ChangeState {

  /** The state's name as it appears on timelines and in stores. */
  default String name() {
    return getClass().getSimpleName();
  }

  /** Whether the change is over: nothing more happens to it. */
  default boolean terminal() {
    return false;
  }

  /** What a person must do before the change can move on, or {@code null}. */
  default @Nullable InputKind inputNeeded() {
    return null;
  }

  /** Opened: the key is generated next, then the CSR. */
  record KeyPending() implements ChangeState {}

  /** The key is stored and the CSR persisted: the order is placed next. */
  record CsrReady() implements ChangeState {}

  /** The order is placed; the engine polls the CA until it issues or refuses. */
  record Validating() implements ChangeState {}

  /** The CA waits for DV challenges that no solver handles: a person must place them. */
  record AwaitingChallenges(List<Challenge> challenges) implements ChangeState {
    public AwaitingChallenges {
      challenges = List.copyOf(challenges);
    }

    @Override
    public InputKind inputNeeded() {
      return InputKind.CHALLENGES;
    }
  }

  /**
   * The challenges are published, by a solver or by a person: the CA is told to validate them next.
   */
  record ChallengesInPlace(List<Challenge> challenges) implements ChangeState {
    public ChallengesInPlace {
      challenges = List.copyOf(challenges);
    }
  }

  /** The certificate is retrieved and differs from what was asked: a person must accept or deny. */
  record AwaitingWarningAcceptance(List<Warning> warnings) implements ChangeState {
    public AwaitingWarningAcceptance {
      warnings = List.copyOf(warnings);
    }

    @Override
    public InputKind inputNeeded() {
      return InputKind.WARNINGS;
    }
  }

  /** The certificate is verified and accepted: it goes to the staging network next. */
  record ReadyForStaging() implements ChangeState {}

  /**
   * On staging with Always Test on Staging: waits for the acknowledgement, or for the seven-day rule
   * when the live production certificate is about to expire and no deployment date is set.
   */
  record AwaitingStagingTest() implements ChangeState {
    @Override
    public InputKind inputNeeded() {
      return InputKind.STAGING_TEST;
    }
  }

  /** On staging, acknowledged if needed: waits for the deployment not-before date. */
  record AwaitingDeploymentDate(Instant notBefore) implements ChangeState {
    public AwaitingDeploymentDate {
      Objects.requireNonNull(notBefore, "notBefore");
    }
  }

  /** Every condition holds: the certificate goes to production next. */
  record ReadyForProduction() implements ChangeState {}

  /** The certificate is live on production. */
  record Completed() implements ChangeState {
    @Override
    public boolean terminal() {
      return true;
    }
  }

  /** A person cancelled the change, or denied its warnings, or an update replaced it. */
  record Cancelled(String reason) implements ChangeState {
    public Cancelled {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public boolean terminal() {
      return true;
    }
  }

  /** The CA refused, the certificate can never be served, or retries ran out. */
  record Failed(String reason) implements ChangeState {
    public Failed {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public boolean terminal() {
      return true;
    }
  }
}
