package dev.cps.tests;

import static dev.cps.tests.FirstIssuanceTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.InputKind;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.testkit.FakeCertificateAuthority.Alteration;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A new provisioner on the same stores resumes a change from every state it can be left in, and
 * never orders the same certificate twice. The store keeps what reads back from each enrollment's
 * JSON document, so nothing held only in memory can carry a change across the restart.
 */
class RestartTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create().storingDocuments();

  /** Leaves a fresh enrollment in one state, using the first provisioner. */
  static Stream<Arguments> states() {
    Instant notBefore = CpsTestkit.START.plus(Duration.ofDays(5));
    return Stream.of(
        leftIn(ChangeState.KeyPending.class, cps -> enroll(cps, Requests.dv("restart.example.com").build())),
        leftIn(ChangeState.CsrReady.class, cps -> {
          cps.ca().failNext(1);
          return enrollAndRun(cps, Requests.dv("restart.example.com").build());
        }),
        leftIn(ChangeState.Validating.class, cps -> enrollAndRun(cps, Requests.dv("restart.example.com").build())),
        leftIn(ChangeState.AwaitingChallenges.class, cps -> {
          cps.ca().requireChallenges(ChallengeType.HTTP_01);
          return enrollAndRun(cps, Requests.dv("restart.example.com").build());
        }),
        leftIn(ChangeState.ChallengesInPlace.class, cps -> {
          cps.ca().requireChallenges(ChallengeType.HTTP_01);
          Enrollment enrolled = enrollAndRun(cps, Requests.dv("restart.example.com").build());
          cps.provisioner().challengesInPlace(ref(cps, enrolled), "alice");
          cps.ca().failNext(1);
          cps.provisioner().runDue();
          return enrolled;
        }),
        leftIn(ChangeState.AwaitingWarningAcceptance.class, cps -> {
          cps.ca().alterNext(Alteration.DROP_SAN);
          return issued(cps, Requests.dv("restart.example.com", "www.restart.example.com").build());
        }),
        leftIn(ChangeState.ReadyForStaging.class, cps -> {
          cps.staging().failNext(1);
          return issued(cps, Requests.dv("restart.example.com").build());
        }),
        leftIn(ChangeState.AwaitingStagingTest.class,
            cps -> issued(cps, Requests.dv("restart.example.com").alwaysTestOnStaging(true).build())),
        leftIn(ChangeState.AwaitingDeploymentDate.class,
            cps -> issued(cps, Requests.dv("restart.example.com").deploymentNotBefore(notBefore).build())),
        leftIn(ChangeState.ReadyForProduction.class, cps -> {
          cps.production().failNext(1);
          return issued(cps, Requests.dv("restart.example.com").build());
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void aRestartedProvisionerResumes(String name, Class<? extends ChangeState> left,
      Function<CpsTestkit, Enrollment> leave) {
    Enrollment enrolled = leave.apply(cps);
    assertThat(state(cps.provisioner(), enrolled)).isInstanceOf(left);

    CertificateProvisioner restarted = cps.restart();
    for (int hour = 0; hour < 24 * 10 && !(state(restarted, enrolled) instanceof ChangeState.Completed); hour++) {
      answerWhatIsAsked(restarted, enrolled);
      cps.advance(Duration.ofHours(1));
    }

    assertThat(state(restarted, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.production().live(enrolled.id())).isPresent();
    assertThat(cps.ca().orders()).hasSize(1);
    assertThat(cps.ca().issuedCount()).isEqualTo(1);
  }

  @Test
  void aCrashBetweenPlacingTheOrderAndStoringItDoesNotOrderTwice() {
    CertificateAuthority lostAnswer = new LosesTheFirstSubmitAnswer(cps.ca());
    cps.configure(b -> b.certificateAuthority(lostAnswer).defaultAuthority(lostAnswer.id()));
    Enrollment enrolled = enrollAndRun(cps, Requests.dv("crash.example.com").build());
    assertThat(state(cps.provisioner(), enrolled)).isInstanceOf(ChangeState.CsrReady.class);
    assertThat(cps.ca().orders()).hasSize(1);

    CertificateProvisioner restarted = cps.restart();
    cps.advance(Duration.ofMinutes(10));
    cps.advance(Duration.ofMinutes(10));

    assertThat(state(restarted, enrolled)).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.ca().orders()).hasSize(1);
    assertThat(cps.ca().issuedCount()).isEqualTo(1);
  }

  private static void answerWhatIsAsked(CertificateProvisioner provisioner, Enrollment enrolled) {
    Enrollment now = provisioner.enrollment(enrolled.id()).orElseThrow();
    now.openChange().ifPresent(change -> {
      InputKind asked = change.state().inputNeeded();
      ChangeRef ref = ChangeRef.of(enrolled.id(), change);
      if (asked == InputKind.CHALLENGES) {
        provisioner.challengesInPlace(ref, "alice");
      } else if (asked == InputKind.WARNINGS) {
        provisioner.acceptWarnings(ref, "alice");
      } else if (asked == InputKind.STAGING_TEST) {
        provisioner.acknowledgeStagingTest(ref, "alice");
      }
    });
  }

  private static Arguments leftIn(Class<? extends ChangeState> state, Function<CpsTestkit, Enrollment> leave) {
    return Arguments.of(state.getSimpleName(), state, leave);
  }

  private static Enrollment enroll(CpsTestkit cps, dev.cps.spi.EnrollmentRequest request) {
    return cps.provisioner().enroll(request, "alice");
  }

  private static Enrollment enrollAndRun(CpsTestkit cps, dev.cps.spi.EnrollmentRequest request) {
    Enrollment enrolled = enroll(cps, request);
    cps.provisioner().runDue();
    return enrolled;
  }

  private static Enrollment issued(CpsTestkit cps, dev.cps.spi.EnrollmentRequest request) {
    Enrollment enrolled = enrollAndRun(cps, request);
    cps.advance(Duration.ofMinutes(2));
    return enrolled;
  }

  private static ChangeRef ref(CpsTestkit cps, Enrollment enrolled) {
    return ChangeRef.ofOpenChange(cps.provisioner().enrollment(enrolled.id()).orElseThrow());
  }

  /** Places the first order, then loses the answer, as a process that dies right after sending would. */
  private static final class LosesTheFirstSubmitAnswer implements CertificateAuthority {
    private final CertificateAuthority delegate;
    private final AtomicBoolean lost = new AtomicBoolean();

    LosesTheFirstSubmitAnswer(CertificateAuthority delegate) {
      this.delegate = delegate;
    }

    @Override
    public String id() {
      return "loses-answers";
    }

    @Override
    public OrderRef submit(OrderRequest request) {
      OrderRef placed = delegate.submit(request);
      if (lost.compareAndSet(false, true)) {
        throw new CaUnavailableException("connection reset after the order was sent");
      }
      return new OrderRef(id(), placed.value());
    }

    @Override
    public OrderStatus status(OrderRef order) {
      return delegate.status(new OrderRef(delegate.id(), order.value()));
    }

    @Override
    public void challengesReady(OrderRef order, List<Challenge> challenges) {
      delegate.challengesReady(new OrderRef(delegate.id(), order.value()), challenges);
    }

    @Override
    public CertificateChain retrieve(OrderRef order) {
      return delegate.retrieve(new OrderRef(delegate.id(), order.value()));
    }

    @Override
    public void cancel(OrderRef order) {
      delegate.cancel(new OrderRef(delegate.id(), order.value()));
    }
  }
}
