package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.RenewalPolicy;
import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.OrderLostException;
import dev.cps.spi.OrderRef;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.testkit.TestCsr;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole workflow, from enrollment to production, with certificates from a real Pebble. */
class AcmeWorkflowTest {
  @TempDir static Path directory;
  private static AcmeFixture acme;

  private static final String BLOCKED = "blocked.example.net";

  @BeforeAll
  static void startPebble() {
    acme = AcmeFixture.start(directory, options -> options.block(BLOCKED));
  }

  @AfterAll
  static void stopPebble() {
    if (acme != null) {
      acme.close();
    }
  }

  @Test
  void threeNameEnrollmentReachesProductionWithHttp01() throws Exception {
    String www = AcmeFixture.name("www");
    String api = AcmeFixture.name("api");
    String shop = AcmeFixture.name("shop");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.httpSolver()))) {
      Enrollment enrolled = flow.enroll(www, api, shop);

      Enrollment done = flow.untilProduction(enrolled.id());

      Change change = done.latestChange().orElseThrow();
      assertThat(change.order().value()).startsWith("https://127.0.0.1:");
      assertThat(change.presentedChallenges()).hasSize(3).allSatisfy(c -> assertThat(c.type().name())
          .isEqualTo("HTTP_01"));
      List<X509Certificate> chain = done.production().chain().certificates();
      assertThat(dnsNames(chain.get(0))).containsExactlyInAnyOrder(www, api, shop);
      assertThat(chain.get(0).getPublicKey()).isEqualTo(flow.keys.publicKey(change.key()).orElseThrow());
      assertIssuedByPebble(chain);
      assertThat(flow.production.live(enrolled.id())).contains(done.production().chain());
      assertThat(flow.staging.live(enrolled.id())).contains(done.production().chain());
      assertThat(flow.keys.ids()).as("the account key is kept in the key store")
          .contains(AcmeCertificateAuthorityBuilder.defaultAccountKey(acme.pebble.directory()));
    }
  }

  @Test
  void wildcardIsValidatedWithDns01() throws Exception {
    String base = AcmeFixture.name("wild");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.dnsSolver()))) {
      Enrollment enrolled = flow.enroll("*." + base, base);

      Enrollment done = flow.untilProduction(enrolled.id());

      Change change = done.latestChange().orElseThrow();
      assertThat(change.presentedChallenges()).hasSize(2).allSatisfy(c -> {
        assertThat(c.type()).isEqualTo(ChallengeType.DNS_01);
        assertThat(c.domain()).isEqualTo(base);
        assertThat(c.dnsRecordName()).isEqualTo("_acme-challenge." + base);
      });
      assertThat(dnsNames(done.production().chain().leaf())).containsExactlyInAnyOrder("*." + base, base);
      assertIssuedByPebble(done.production().chain().certificates());
    }
  }

  @Test
  void tlsAlpn01IsAnsweredByTheResponder() throws Exception {
    String name = AcmeFixture.name("alpn");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.tlsAlpn))) {
      Enrollment enrolled = flow.enroll(name);

      Enrollment done = flow.untilProduction(enrolled.id());

      assertThat(done.latestChange().orElseThrow().presentedChallenges()).singleElement()
          .satisfies(c -> assertThat(c.type()).isEqualTo(ChallengeType.TLS_ALPN_01));
      assertThat(dnsNames(done.production().chain().leaf())).containsExactly(name);
    }
  }

  @Test
  void withoutSolverAPersonPlacesTheChallengesAndSaysSo() {
    String www = AcmeFixture.name("person");
    String api = AcmeFixture.name("person-api");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> {})) {
      Enrollment enrolled = flow.enroll(www, api);

      Enrollment waiting = flow.untilState(enrolled.id(), ChangeState.AwaitingChallenges.class);

      Change change = waiting.openChange().orElseThrow();
      List<Challenge> challenges = ((ChangeState.AwaitingChallenges) change.state()).challenges();
      assertThat(challenges).extracting(Challenge::domain).containsExactlyInAnyOrder(www, api);
      assertThat(flow.events).anySatisfy(e -> assertThat(e).isInstanceOf(ProvisioningEvent.InputNeeded.class));
      assertThat(flow.provisioner.runDue()).as("nothing happens until the person answers").isZero();
      for (Challenge challenge : challenges) {
        assertThat(challenge.type()).isEqualTo(ChallengeType.HTTP_01);
        assertThat(challenge.id()).startsWith("https://127.0.0.1:");
        assertThat(challenge.keyAuthorization()).startsWith(challenge.token() + ".");
        assertThat(challenge.httpPath()).isEqualTo("/.well-known/acme-challenge/" + challenge.token());
        // The person copies path and body to their web server.
        acme.http.publish(challenge.httpPath().substring(challenge.httpPath().lastIndexOf('/') + 1),
            challenge.httpBody());
      }

      flow.provisioner.challengesInPlace(ChangeRef.of(enrolled.id(), change), "bob");
      Enrollment done = flow.untilProduction(enrolled.id());

      assertThat(done.production()).isNotNull();
      assertThat(done.latestChange().orElseThrow().timeline()).anySatisfy(t -> assertThat(t.who()).isEqualTo("bob"));
    }
  }

  @Test
  void movingTheClockRenewsWithANewCertificateFromPebble() throws Exception {
    String name = AcmeFixture.name("renew");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.httpSolver()))) {
      Enrollment enrolled = flow.enroll(name);
      Enrollment first = flow.untilProduction(enrolled.id());
      CertificateChain firstChain = first.production().chain();
      assertThat(first.renewalAt()).isNotNull();

      flow.clock.set(first.renewalAt());
      Enrollment renewed = flow.until(enrolled.id(), "the renewal in production",
          e -> e.changes().stream().anyMatch(c -> c.reason() == ChangeReason.RENEWAL
              && c.state() instanceof ChangeState.Completed));

      // The engine's clock runs ahead of Pebble's real time here, so later renewals may follow; the
      // first one is the one this test made due.
      Change renewal = renewed.changes().stream().filter(c -> c.reason() == ChangeReason.RENEWAL).findFirst()
          .orElseThrow();
      assertThat(renewal.state()).isInstanceOf(ChangeState.Completed.class);
      CertificateChain renewedChain = renewal.certificate();
      assertThat(renewedChain.serialNumber()).isNotEqualTo(firstChain.serialNumber());
      assertThat(renewedChain.leaf().getPublicKey()).as("a new key for the renewal")
          .isNotEqualTo(firstChain.leaf().getPublicKey());
      assertThat(dnsNames(renewedChain.leaf())).containsExactly(name);
      assertThat(flow.production.deploymentsFor(enrolled.id())).extracting(d -> d.chain())
          .containsSubsequence(firstChain, renewedChain);
      assertThat(renewal.order()).isNotEqualTo(first.latestChange().orElseThrow().order());
      assertThat(renewed.history()).extracting(d -> d.chain()).contains(firstChain);
      assertIssuedByPebble(renewedChain.certificates());
    }
  }

  @Test
  void withoutRenewalInformationTheCorePolicyDecidesWhenToRenew() {
    String name = AcmeFixture.name("noari");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.httpSolver()))) {
      Enrollment done = flow.untilProduction(flow.enroll(name).id());
      CertificateChain chain = done.production().chain();

      assertThat(flow.ca.renewalWindow(chain)).as("Pebble 2.4 has no renewalInfo in its directory").isEmpty();
      assertThat(done.renewalAt()).isEqualTo(RenewalPolicy.standard().renewalAt(chain, ValidationType.DV,
          Optional.empty()));
    }
  }

  @Test
  void aChallengeNotServedFailsTheChangeWithPebblesReason() {
    String name = AcmeFixture.name("unserved");
    Http01Publisher nowhere = new Http01Publisher() {
      @Override
      public void publish(String token, String content) {}

      @Override
      public void withdraw(String token) {}
    };
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(Http01Solver.publishingTo(nowhere)))) {
      Enrollment enrolled = flow.enroll(name);

      Enrollment failed = flow.untilState(enrolled.id(), ChangeState.Failed.class);

      String reason = ((ChangeState.Failed) failed.latestChange().orElseThrow().state()).reason();
      assertThat(reason).contains("the CA declared the order invalid", name + " (http-01)",
          "urn:ietf:params:acme:error:", "404");
      assertThat(failed.production()).isNull();
      assertThat(flow.production.deployments()).isEmpty();
    }
  }

  @Test
  void aRejectedIdentifierFailsTheChangeWithTheProblemType() {
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.httpSolver()))) {
      Enrollment enrolled = flow.enroll(BLOCKED);

      Enrollment failed = flow.untilState(enrolled.id(), ChangeState.Failed.class);

      assertThat(((ChangeState.Failed) failed.latestChange().orElseThrow().state()).reason())
          .contains("the CA refused", "urn:ietf:params:acme:error:rejectedIdentifier", BLOCKED);
    }
  }

  @Test
  void revokesThroughTheSpi() {
    String name = AcmeFixture.name("revoke");
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> b.challengeSolver(acme.httpSolver()))) {
      CertificateChain chain = flow.untilProduction(flow.enroll(name).id()).production().chain();
      assertThat(acme.pebble.certificateStatus(chain.serialNumber()).path("Status").asText()).isEqualTo("Valid");

      flow.ca.revoke(chain, RevocationReason.KEY_COMPROMISE);

      JsonNode status = acme.pebble.certificateStatus(chain.serialNumber());
      assertThat(status.path("Status").asText()).isEqualTo("Revoked");
      assertThat(status.path("Reason").asInt()).isEqualTo(RevocationReason.KEY_COMPROMISE.code());
      CaRejectedException again =
          catchThrowableOfType(CaRejectedException.class, () -> flow.ca.revoke(chain, RevocationReason.UNSPECIFIED));
      assertThat(again.code()).isEqualTo("urn:ietf:params:acme:error:alreadyRevoked");
    }
  }

  @Test
  void anOrderThePebbleDoesNotKnowIsLost() {
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> {})) {
      OrderRef unknown = new OrderRef("acme", acme.pebble.directory().resolve("/my-order/no-such-order").toString());

      OrderLostException lost = catchThrowableOfType(OrderLostException.class, () -> flow.ca.status(unknown));

      assertThat(lost.order()).isEqualTo(unknown);
      assertThat(lost.getMessage()).contains("no longer knows the order");
    }
  }

  @Test
  void aSecondSubmitOfOneRequestFindsTheSameOrder() {
    TestCsr csr = TestCsr.forNames(AcmeFixture.name("twice"));
    try (Workflow flow = new Workflow(acme, ca -> {}, b -> {})) {
      OrderRef first = flow.ca.submit(csr.orderRequest("change-1"));

      assertThat(flow.ca.submit(csr.orderRequest("change-1"))).isEqualTo(first);
      assertThat(flow.ca.submit(csr.orderRequest("change-2"))).isNotEqualTo(first);
    }
  }

  @Test
  void theAccountIsFoundByItsKeyAndCreatedOnlyWithTheTermsAgreed() {
    InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
    TestCsr csr = TestCsr.forNames(AcmeFixture.name("terms"));
    AcmeCertificateAuthority refusing = AcmeCertificateAuthority.builder().directory(acme.pebble.directory())
        .trustAnchors(acme.pebble.trustBundle()).keyStore(keys).build();

    TermsOfServiceNotAgreedException refused = catchThrowableOfType(TermsOfServiceNotAgreedException.class,
        () -> refusing.submit(csr.orderRequest("terms-1")));

    assertThat(refused.termsOfService()).isNotNull();
    assertThat(refused.reason()).contains("agreeToTermsOfService");
    acme.ca(keys, Clock.systemUTC()).build().submit(csr.orderRequest("terms-2"));
    assertThat(refusing.submit(csr.orderRequest("terms-3")))
        .as("without agreeing again, the CA finds the account its key already has").isNotNull();
  }

  @Test
  void aProvisionerBuildsTheCaFromAnAcmeUri() {
    String name = AcmeFixture.name("uri");
    URI uri = URI.create("acme+https://127.0.0.1:" + acme.pebble.directory().getPort() + "/dir?id=pebble"
        + "&agreeToTermsOfService=true&contact=ops%40example.com&trust=" + acme.pebble.trustBundle()
        + "&timeout=PT10S&sessions=2");
    MutableClock clock = MutableClock.at(Instant.now());
    InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
    RecordingNetwork production = new RecordingNetwork("production");
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(clock)
        .enrollmentStore(new InMemoryEnrollmentStore()).keyStore(keys).certificateAuthority(uri)
        .productionNetwork(production).challengeSolver(acme.httpSolver()).build()) {
      Enrollment enrolled = provisioner.enroll(EnrollmentRequest.builder().commonName(name).build(), "alice");

      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
        provisioner.runDue();
        clock.advance(Duration.ofSeconds(15));
        return production.live(enrolled.id()).isPresent();
      });

      assertThat(provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow().authority())
          .isEqualTo("pebble");
      assertThat(keys.ids()).contains(AcmeCertificateAuthorityBuilder.defaultAccountKey(acme.pebble.directory()));
    }
  }

  private static void assertIssuedByPebble(List<X509Certificate> chain) throws Exception {
    Set<TrustAnchor> anchors = acme.pebble.issuingRoots().stream().map(r -> new TrustAnchor(r, null))
        .collect(Collectors.toSet());
    PKIXParameters parameters = new PKIXParameters(anchors);
    parameters.setRevocationEnabled(false);
    parameters.setDate(new Date());
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
  }

  static List<String> dnsNames(X509Certificate leaf) throws Exception {
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    return sans.stream().filter(s -> Integer.valueOf(2).equals(s.get(0))).map(s -> (String) s.get(1)).toList();
  }

  static ChangeState state(Workflow flow, Enrollment enrollment) {
    return flow.latest(enrollment.id()).state();
  }
}
