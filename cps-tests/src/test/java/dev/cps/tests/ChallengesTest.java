package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.InputNotExpectedException;
import dev.cps.StaleChangeException;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.InputKind;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.TimelineEntry;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.junit.CpsTestkit;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DV challenges: published by a solver without a person, or placed by a person who says so. */
class ChallengesTest {
  private static final Duration DV_VALIDATION = Duration.ofMinutes(2);

  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @BeforeEach
  void challengingCa() {
    cps.ca().requireChallenges(ChallengeType.HTTP_01);
  }

  /** Publishes HTTP-01 challenges by remembering them, as a web server's token directory would. */
  static final class RecordingSolver implements ChallengeSolver {
    final List<Challenge> presented = Collections.synchronizedList(new ArrayList<>());
    final List<Challenge> cleanedUp = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Set<ChallengeType> types() {
      return Set.of(ChallengeType.HTTP_01);
    }

    @Override
    public void present(Challenge challenge) {
      presented.add(challenge);
    }

    @Override
    public void cleanUp(Challenge challenge) {
      cleanedUp.add(challenge);
    }
  }

  @Test
  void solverPublishesEachChallengeOnceAndCleansUpAfterIssuance() {
    RecordingSolver solver = new RecordingSolver();
    cps.configure(b -> b.challengeSolver(solver));
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled =
        provisioner.enroll(Requests.dv("www.example.com", "example.com", "shop.example.com").build(), "alice");

    provisioner.runDue();

    Change validating = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(validating.state()).isInstanceOf(ChangeState.Validating.class);
    OrderRef order = validating.order();
    assertThat(order).isNotNull();
    List<Challenge> handedOut = cps.ca().order(order).challenges();
    assertThat(handedOut).hasSize(3).extracting(Challenge::type).containsOnly(ChallengeType.HTTP_01);
    assertThat(solver.presented).containsExactlyInAnyOrderElementsOf(handedOut);
    assertThat(solver.presented).extracting(Challenge::domain)
        .containsExactlyInAnyOrder("www.example.com", "example.com", "shop.example.com");
    assertThat(cps.ca().challengesReadied(order)).containsExactlyInAnyOrderElementsOf(handedOut);
    assertThat(solver.cleanedUp).as("nothing is cleaned up before the CA has issued").isEmpty();

    cps.advance(DV_VALIDATION);

    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    Change change = done.latestChange().orElseThrow();
    assertThat(change.state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(done.production()).isNotNull();
    assertThat(cps.production().live(enrolled.id())).contains(done.production().chain());
    assertThat(solver.presented).as("each challenge presented exactly once").hasSize(3);
    assertThat(solver.cleanedUp).containsExactlyInAnyOrderElementsOf(handedOut);
    assertThat(cps.events()).noneMatch(e -> e instanceof ProvisioningEvent.InputNeeded);
    assertThat(change.timeline().get(0).who()).isEqualTo("alice");
    assertThat(change.timeline().subList(1, change.timeline().size())).extracting(TimelineEntry::who)
        .as("no person after the enrollment").containsOnly(TimelineEntry.ENGINE);
    assertThat(cps.ca().submitCount()).isOne();
  }

  @Test
  void withoutSolverTheChangeWaitsForAPersonToPlaceTheChallenges() throws Exception {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("www.example.com", "example.com").build(), "alice");

    provisioner.runDue();

    Change waiting = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(waiting.state()).isInstanceOf(ChangeState.AwaitingChallenges.class);
    assertThat(waiting.state().inputNeeded()).isEqualTo(InputKind.CHALLENGES);
    List<Challenge> challenges = ((ChangeState.AwaitingChallenges) waiting.state()).challenges();
    assertThat(challenges).extracting(Challenge::domain).containsExactlyInAnyOrder("www.example.com", "example.com");
    assertThat(challenges).containsExactlyInAnyOrderElementsOf(cps.ca().order(waiting.order()).challenges());
    for (Challenge challenge : challenges) {
      assertThat(challenge.type()).isEqualTo(ChallengeType.HTTP_01);
      assertThat(challenge.token()).hasSizeGreaterThanOrEqualTo(22).doesNotContain(".", "/", "+", "=");
      assertThat(challenge.keyAuthorization())
          .isEqualTo(challenge.token() + "." + FakeCertificateAuthority.ACCOUNT_THUMBPRINT);
      assertThat(challenge.httpPath()).isEqualTo("/.well-known/acme-challenge/" + challenge.token());
      assertThat(challenge.httpBody()).isEqualTo(challenge.keyAuthorization());
      assertThat(challenge.dnsRecordName()).isEqualTo("_acme-challenge." + challenge.domain());
      assertThat(challenge.dnsRecordValue()).isEqualTo(sha256Base64Url(challenge.keyAuthorization()));
    }
    List<ProvisioningEvent.InputNeeded> asked = cps.events().stream()
        .filter(ProvisioningEvent.InputNeeded.class::isInstance).map(ProvisioningEvent.InputNeeded.class::cast)
        .toList();
    assertThat(asked).singleElement().satisfies(event -> {
      assertThat(event.kind()).isEqualTo(InputKind.CHALLENGES);
      assertThat(event.enrollment()).isEqualTo(enrolled.id());
      assertThat(event.change()).isEqualTo(waiting.id());
      assertThat(event.changeVersion()).isEqualTo(waiting.version());
    });

    int worked = cps.advance(Duration.ofDays(1));

    assertThat(worked).as("nothing is due while a person places the challenges").isZero();
    Change stillWaiting = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
    assertThat(stillWaiting).isEqualTo(waiting);
    assertThat(cps.ca().challengesReadied(waiting.order())).isEmpty();
    assertThat(cps.ca().submitCount()).isOne();

    ChangeRef stale = new ChangeRef(enrolled.id(), waiting.id(), waiting.version() - 1);
    StaleChangeException refused =
        catchThrowableOfType(StaleChangeException.class, () -> provisioner.challengesInPlace(stale, "bob"));
    assertThat(refused).isNotNull();
    assertThat(refused.expectedVersion()).isEqualTo(waiting.version() - 1);
    assertThat(refused.currentVersion()).isEqualTo(waiting.version());
    assertThat(refused.currentState()).isEqualTo("AwaitingChallenges");
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().openChange()).contains(waiting);

    Change placed = provisioner.challengesInPlace(ChangeRef.of(asked.get(0)), "bob");

    assertThat(placed.state()).isInstanceOf(ChangeState.ChallengesInPlace.class);
    assertThat(placed.version()).isGreaterThan(waiting.version());
    assertThat(placed.timeline()).last().satisfies(entry -> assertThat(entry.who()).isEqualTo("bob"));
    provisioner.runDue();
    assertThat(cps.ca().challengesReadied(waiting.order())).containsExactlyInAnyOrderElementsOf(challenges);
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Validating.class);

    cps.advance(DV_VALIDATION.minusSeconds(1));
    assertThat(state(provisioner, enrolled)).isInstanceOf(ChangeState.Validating.class);
    assertThat(cps.production().deployments()).isEmpty();

    cps.advance(Duration.ofSeconds(1));
    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(done.latestChange().orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(done.production()).isNotNull();
    assertThat(cps.production().live(enrolled.id())).contains(done.production().chain());
  }

  /**
   * Polls space out with the time a change has waited for the CA, not for a person: challenges
   * placed ten hours after the order are polled within seconds by a CA that gives no Retry-After.
   */
  @Test
  void challengesPlacedLateArePolledSoonNotAtATenthOfTheWholeWait() {
    CertificateAuthority noRetryAfter = Intercepted.of(CertificateAuthority.class, cps.ca(),
        (method, args, proceed) -> {
          Object answer = proceed.call();
          return answer instanceof OrderStatus.Pending pending ? new OrderStatus.Pending(pending.challenges(), null)
              : answer;
        });
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(cps.clock())
        .enrollmentStore(cps.store()).keyStore(cps.keys()).certificateAuthority(noRetryAfter)
        .productionNetwork(cps.production()).build()) {
      Enrollment enrolled = provisioner.enroll(Requests.dv("late.example.com").build(), "alice");
      provisioner.runDue();
      cps.clock().advance(Duration.ofHours(10));

      provisioner.challengesInPlace(ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow()),
          "bob");
      provisioner.runDue();

      Change validating = provisioner.enrollment(enrolled.id()).orElseThrow().openChange().orElseThrow();
      assertThat(validating.state()).isInstanceOf(ChangeState.Validating.class);
      assertThat(validating.nextActionAt()).as("the first poll after the challenges were placed")
          .isBeforeOrEqualTo(cps.clock().instant().plusSeconds(15));
    }
  }

  @Test
  void challengesInPlaceIsRefusedWhenTheChangeDoesNotWaitForThem() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.ov("www.example.com").build(), "alice");

    ChangeRef opened = ChangeRef.ofOpenChange(enrolled);
    InputNotExpectedException atOpening = catchThrowableOfType(InputNotExpectedException.class,
        () -> provisioner.challengesInPlace(opened, "bob"));
    assertThat(atOpening).isNotNull();
    assertThat(atOpening.state()).isEqualTo("KeyPending");
    assertThat(atOpening.change()).isEqualTo(opened.change());

    provisioner.runDue();
    Enrollment validating = provisioner.enrollment(enrolled.id()).orElseThrow();
    Change before = validating.openChange().orElseThrow();
    assertThat(before.state()).as("OV orders get no DV challenges").isInstanceOf(ChangeState.Validating.class);
    InputNotExpectedException whileValidating = catchThrowableOfType(InputNotExpectedException.class,
        () -> provisioner.challengesInPlace(ChangeRef.ofOpenChange(validating), "bob"));
    assertThat(whileValidating).isNotNull();
    assertThat(whileValidating.state()).isEqualTo("Validating");
    assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().version()).isEqualTo(validating.version());

    cps.advance(Duration.ofDays(2));
    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    Change completed = done.latestChange().orElseThrow();
    assertThat(completed.state()).isInstanceOf(ChangeState.Completed.class);
    InputNotExpectedException afterCompletion = catchThrowableOfType(InputNotExpectedException.class,
        () -> provisioner.challengesInPlace(ChangeRef.of(done.id(), completed), "bob"));
    assertThat(afterCompletion).isNotNull();
    assertThat(afterCompletion.state()).isEqualTo("Completed");
    assertThat(cps.ca().challengesReadied(completed.order())).isEmpty();
  }

  private static ChangeState state(CertificateProvisioner provisioner, Enrollment enrolled) {
    return provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow().state();
  }

  private static String sha256Base64Url(String text) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }
}
