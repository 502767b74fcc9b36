package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.OrderLostException;
import dev.cps.spi.OrderRef;
import dev.cps.spi.RevocationReason;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.RenewalWindow;
import dev.cps.spi.ValidationType;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class FakeCertificateAuthorityTest {
  private static final Instant T0 = Instant.parse("2026-04-01T08:00:00Z");
  private final MutableClock clock = MutableClock.at(T0);
  private final FakeCertificateAuthority ca = FakeCertificateAuthority.builder().id("fake").clock(clock).build();

  private OrderRef submit(String requestId, String... names) {
    return ca.submit(TestCsr.forNames(names).orderRequest(requestId));
  }

  @Test
  void dvOrderIsPendingForTwoMinutesThenIssued() {
    OrderRef order = submit("r1", "a.example.com");
    assertThat(ca.status(order)).isEqualTo(new OrderStatus.Pending(List.of(), T0.plus(Duration.ofMinutes(2))));
    clock.advance(Duration.ofSeconds(119));
    assertThat(ca.status(order)).isInstanceOf(OrderStatus.Pending.class);
    assertThatThrownBy(() -> ca.retrieve(order)).isInstanceOf(IllegalStateException.class);
    clock.advance(Duration.ofSeconds(1));
    assertThat(ca.status(order)).isInstanceOf(OrderStatus.Issued.class);
    CertificateChain chain = ca.retrieve(order);
    assertThat(chain.notBefore()).isEqualTo(T0.plus(Duration.ofMinutes(2)));
    assertThat(chain.lifetime()).isEqualTo(Duration.ofDays(90));
    assertThat(chain.certificates()).containsExactly(chain.leaf(), ca.intermediateCertificate());
    assertThat(ca.issuedCount()).isEqualTo(1);
  }

  @Test
  void validationTimeDependsOnTheType() {
    OrderRef ov = ca.submit(TestCsr.forRequest(Requests.organization(ValidationType.OV)).orderRequest("ov"));
    OrderRef ev = ca.submit(TestCsr.forRequest(Requests.organization(ValidationType.EV)).orderRequest("ev"));
    clock.advance(Duration.ofDays(2));
    assertThat(ca.status(ov)).isInstanceOf(OrderStatus.Issued.class);
    assertThat(ca.status(ev)).isEqualTo(new OrderStatus.Pending(List.of(), T0.plus(Duration.ofDays(7))));
    ca.validationTime(ValidationType.DV, Duration.ofHours(1)).lifetime(ValidationType.DV, Duration.ofDays(47));
    OrderRef dv = submit("dv", "a.example.com");
    clock.advance(Duration.ofHours(1));
    assertThat(ca.status(dv)).isInstanceOf(OrderStatus.Issued.class);
    assertThat(ca.retrieve(dv).lifetime()).isEqualTo(Duration.ofDays(47));
  }

  @Test
  void dvChallengesMustBeReportedReadyBeforeValidationStarts() {
    ca.requireChallenges(ChallengeType.DNS_01);
    OrderRef order = submit("r1", "*.example.com", "b.example.com");
    OrderStatus.Pending pending = (OrderStatus.Pending) ca.status(order);
    assertThat(pending.retryAfter()).isNull();
    List<Challenge> challenges = pending.challenges();
    assertThat(challenges).extracting(Challenge::domain).containsExactly("example.com", "b.example.com");
    assertThat(challenges).extracting(Challenge::type).containsOnly(ChallengeType.DNS_01);
    assertThat(challenges).extracting(Challenge::id).doesNotHaveDuplicates();
    assertThat(challenges).allSatisfy(c -> assertThat(c.keyAuthorization())
        .isEqualTo(c.token() + "." + FakeCertificateAuthority.ACCOUNT_THUMBPRINT)
        .matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+"));
    clock.advance(Duration.ofDays(1));
    ca.challengesReady(order, List.of(challenges.get(0)));
    assertThat(ca.status(order)).isEqualTo(new OrderStatus.Pending(List.of(challenges.get(1)), null));
    ca.challengesReady(order, List.of(challenges.get(1)));
    Instant ready = clock.instant().plus(Duration.ofMinutes(2));
    assertThat(ca.status(order)).isEqualTo(new OrderStatus.Pending(List.of(), ready));
    assertThat(ca.challengesReadied(order)).containsExactlyElementsOf(challenges);
    clock.set(ready);
    assertThat(ca.status(order)).isInstanceOf(OrderStatus.Issued.class);
  }

  @Test
  void challengesAreOnlyForDvOrdersAndOnlyTheirOwn() {
    ca.requireChallenges(ChallengeType.HTTP_01);
    OrderRef ov = ca.submit(TestCsr.forRequest(Requests.organization(ValidationType.OV)).orderRequest("ov"));
    assertThat(ca.order(ov).challenges()).isEmpty();
    OrderRef dv = submit("dv", "a.example.com");
    Challenge foreign = new Challenge("challenge-99", "authz-99", ChallengeType.HTTP_01, "a.example.com", "t", "t.x");
    assertThatThrownBy(() -> ca.challengesReady(dv, List.of(foreign))).hasMessageContaining("challenge-99");
  }

  @Test
  void sameRequestIdIsTheSameOrder() {
    TestCsr csr = TestCsr.forNames("a.example.com");
    OrderRef first = ca.submit(csr.orderRequest("change-1"));
    OrderRef again = ca.submit(csr.orderRequest("change-1"));
    OrderRef other = ca.submit(csr.orderRequest("change-2"));
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    assertThat(ca.orders()).hasSize(2);
    assertThat(ca.submitCount()).isEqualTo(3);
  }

  @Test
  void failNextMakesAnyCallUnavailable() {
    OrderRef order = submit("r1", "a.example.com");
    ca.failNext(2, Duration.ofMinutes(5));
    assertThatThrownBy(() -> ca.status(order)).isInstanceOfSatisfying(CaUnavailableException.class,
        e -> assertThat(e.retryAfter()).isEqualTo(T0.plus(Duration.ofMinutes(5))))
        .hasMessageContaining("fake CA unavailable");
    assertThatThrownBy(() -> submit("r2", "b.example.com")).isInstanceOf(CaUnavailableException.class);
    assertThat(ca.status(order)).isInstanceOf(OrderStatus.Pending.class);
    ca.failNext(1);
    assertThatThrownBy(() -> ca.cancel(order)).isInstanceOfSatisfying(CaUnavailableException.class,
        e -> assertThat(e.retryAfter()).isNull());
    assertThat(ca.orders()).hasSize(1);
  }

  @Test
  void rejectNextRefusesTheNextSubmissionOnly() {
    ca.rejectNext("CAA record forbids this CA");
    assertThatThrownBy(() -> submit("r1", "a.example.com"))
        .isInstanceOfSatisfying(CaRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo("CAA record forbids this CA"));
    assertThat(ca.orders()).isEmpty();
    assertThat(ca.status(submit("r1", "a.example.com"))).isInstanceOf(OrderStatus.Pending.class);
  }

  @Test
  void invalidateNextRefusesTheNextOrderWhenPolled() {
    ca.invalidateNext("organization could not be verified");
    OrderRef refused = submit("r1", "a.example.com");
    OrderRef fine = submit("r2", "a.example.com");
    clock.advance(Duration.ofMinutes(2));
    assertThat(ca.status(refused)).isEqualTo(new OrderStatus.Invalid("organization could not be verified"));
    assertThat(ca.status(fine)).isInstanceOf(OrderStatus.Issued.class);
    assertThat(ca.order(refused).state()).isEqualTo(FakeOrder.State.INVALID);
  }

  @Test
  void cancelledOrderIsInvalidAndCannotBeRetrieved() {
    OrderRef order = submit("r1", "a.example.com");
    ca.cancel(order);
    clock.advance(Duration.ofMinutes(2));
    assertThat(ca.status(order)).isEqualTo(new OrderStatus.Invalid("cancelled"));
    assertThatThrownBy(() -> ca.retrieve(order)).isInstanceOf(IllegalStateException.class);
    assertThat(ca.order(order).cancelled()).isTrue();
    assertThat(ca.issuedCount()).isZero();
  }

  @Test
  void unknownOrderIsLost() {
    assertThatThrownBy(() -> ca.status(new OrderRef("fake", "order-404")))
        .isInstanceOf(OrderLostException.class).hasMessageContaining("order-404").hasMessageContaining("never placed");
    OrderRef order = submit("r1", "a.example.com");
    assertThatThrownBy(() -> ca.status(new OrderRef("other-ca", order.value())))
        .isInstanceOf(OrderLostException.class);
  }

  @Test
  void forgottenOrdersAreLostAndTheirRequestIdsOrderAnew() {
    OrderRef first = submit("r1", "a.example.com");
    ca.forgetOrders();
    assertThatThrownBy(() -> ca.status(first)).isInstanceOf(OrderLostException.class).hasMessageContaining("forgot");
    assertThatThrownBy(() -> ca.retrieve(first)).isInstanceOf(OrderLostException.class);
    OrderRef second = submit("r1", "a.example.com");
    assertThat(second).isNotEqualTo(first);
    assertThat(ca.status(second)).isInstanceOf(OrderStatus.Pending.class);
    assertThat(ca.orders()).hasSize(2);
  }

  /** The engine hands back the chain sorted; the CA knows its leaf whichever order it sent. */
  @Test
  void revokesALeafItSentInAnUnsortedChainButNotItsIntermediate() {
    ca.alterNext(FakeCertificateAuthority.Alteration.UNSORTED_CHAIN);
    OrderRef order = submit("r1", "a.example.com");
    clock.advance(Duration.ofMinutes(2));
    CertificateChain unsorted = ca.retrieve(order);
    assertThat(unsorted.leaf().getBasicConstraints()).as("the intermediate comes first").isNotNegative();
    CertificateChain sorted = CertificateChain.of(unsorted.certificates().get(1), unsorted.certificates().get(0));

    assertThatThrownBy(() -> ca.revoke(CertificateChain.of(unsorted.certificates().get(0)), RevocationReason.UNSPECIFIED))
        .isInstanceOf(CaRejectedException.class).hasMessageContaining("not issued by fake CA");
    ca.revoke(sorted, RevocationReason.KEY_COMPROMISE);
    assertThat(ca.revocations()).containsExactly(Map.entry(sorted.serialNumber(), RevocationReason.KEY_COMPROMISE));
  }

  /** A reference another instance handed out (before a restart) is lost here, not another order. */
  @Test
  void anotherInstancesOrdersAndChallengesAreNotThisOnes() {
    ca.requireChallenges(ChallengeType.HTTP_01);
    FakeCertificateAuthority restarted = FakeCertificateAuthority.builder().id("fake").clock(clock).build();
    restarted.requireChallenges(ChallengeType.HTTP_01);
    OrderRef before = submit("r1", "a.example.com");
    OrderRef after = restarted.submit(TestCsr.forNames("b.example.com").orderRequest("r2"));

    assertThat(after).isNotEqualTo(before);
    assertThatThrownBy(() -> restarted.status(before)).isInstanceOf(OrderLostException.class);
    Challenge mine = ((OrderStatus.Pending) ca.status(before)).challenges().get(0);
    Challenge theirs = ((OrderStatus.Pending) restarted.status(after)).challenges().get(0);
    assertThat(theirs.id()).isNotEqualTo(mine.id());
    assertThat(theirs.authorization()).isNotEqualTo(mine.authorization());
  }

  /** A list with one challenge that is not the order's, or not as handed out, records none of them. */
  @Test
  void challengesReadyRecordsNothingWhenOneIsNotAsHandedOut() {
    ca.requireChallenges(ChallengeType.HTTP_01);
    OrderRef order = submit("r1", "a.example.com", "b.example.com");
    List<Challenge> handedOut = ((OrderStatus.Pending) ca.status(order)).challenges();
    Challenge altered = new Challenge(handedOut.get(1).id(), handedOut.get(1).authorization(), ChallengeType.HTTP_01,
        handedOut.get(1).domain(), handedOut.get(1).token(), "not-the-key-authorization");
    Challenge foreign = new Challenge("challenge-elsewhere", "authz-elsewhere", ChallengeType.HTTP_01, "b.example.com",
        "t", "t.k");

    assertThatThrownBy(() -> ca.challengesReady(order, List.of(handedOut.get(0), altered)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not as this CA handed it out");
    assertThatThrownBy(() -> ca.challengesReady(order, List.of(handedOut.get(0), foreign)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong to order");
    assertThat(ca.challengesReadied(order)).isEmpty();

    ca.challengesReady(order, handedOut);
    assertThat(ca.challengesReadied(order)).containsExactlyInAnyOrderElementsOf(handedOut);
  }

  /** As a public CA, the fake vouches for an organization only when it validated one (OV, EV). */
  @Test
  void aDvCertificateNamesTheCommonNameAloneAnOvOneTheOrganizationToo() {
    OrderRef dv = ca.submit(TestCsr.forRequest(Requests.organization(ValidationType.DV)).orderRequest("dv"));
    OrderRef ov = ca.submit(TestCsr.forRequest(Requests.organization(ValidationType.OV)).orderRequest("ov"));
    clock.advance(Duration.ofDays(3));

    assertThat(ca.retrieve(dv).leaf().getSubjectX500Principal().getName()).isEqualTo("CN=www.example.com");
    assertThat(ca.retrieve(ov).leaf().getSubjectX500Principal().getName())
        .contains("CN=www.example.com", "O=Example Widgets GmbH", "C=DE");
  }

  /** An id with a comma or an equals sign stays in the CA certificates' common names. */
  @Test
  void anIdThatLooksLikeANameStaysInTheCommonName() {
    FakeCertificateAuthority odd = FakeCertificateAuthority.builder().id("widgets, inc=1").clock(clock).build();
    OrderRef order = odd.submit(TestCsr.forNames("a.example.com").orderRequest("r1"));
    clock.advance(Duration.ofMinutes(2));

    CertificateChain chain = odd.retrieve(order);

    assertThat(chain.leaf().getIssuerX500Principal().getName())
        .isEqualTo("O=CPS testkit,CN=CPS Fake Intermediate CA (widgets\\, inc\\=1)");
  }

  /** As at an ACME CA, a wildcard name is validated by DNS-01 alone, whatever else is required. */
  @Test
  void aWildcardIsOfferedDns01Only() {
    ca.requireChallenges(ChallengeType.HTTP_01, ChallengeType.TLS_ALPN_01);
    OrderRef order = submit("r1", "*.example.com", "www.example.com");

    List<Challenge> challenges = ((OrderStatus.Pending) ca.status(order)).challenges();

    assertThat(challenges).filteredOn(c -> c.domain().equals("example.com")).extracting(Challenge::type)
        .containsExactly(ChallengeType.DNS_01);
    assertThat(challenges).filteredOn(c -> c.domain().equals("www.example.com")).extracting(Challenge::type)
        .containsExactly(ChallengeType.HTTP_01, ChallengeType.TLS_ALPN_01);
  }

  @Test
  void revokesWhatItIssuedOnce() {
    OrderRef order = submit("r1", "a.example.com");
    clock.advance(Duration.ofMinutes(2));
    CertificateChain chain = ca.retrieve(order);
    ca.revoke(chain, RevocationReason.KEY_COMPROMISE);
    assertThat(ca.revocations()).containsExactly(Map.entry(chain.serialNumber(), RevocationReason.KEY_COMPROMISE));
    assertThatThrownBy(() -> ca.revoke(chain, RevocationReason.SUPERSEDED))
        .isInstanceOf(CaRejectedException.class).hasMessageContaining("already revoked");
    FakeCertificateAuthority other = FakeCertificateAuthority.builder().id("other").clock(clock).build();
    assertThatThrownBy(() -> other.revoke(chain, RevocationReason.UNSPECIFIED))
        .isInstanceOf(CaRejectedException.class).hasMessageContaining("not issued by fake CA other");
  }

  @Test
  void csrWithAForeignSignatureIsRejected() throws Exception {
    BouncyCastleProvider bc = new BouncyCastleProvider();
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", bc);
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair claimed = generator.generateKeyPair();
    KeyPair signer = generator.generateKeyPair();
    byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=a.example.com"), claimed.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(bc).build(signer.getPrivate()))
        .getEncoded();
    EnrollmentRequest request = EnrollmentRequest.builder().commonName("a.example.com").build();
    OrderRequest order = new OrderRequest("r1", new CertificateSigningRequest(der), request, null);
    assertThatThrownBy(() -> ca.submit(order)).isInstanceOf(CaRejectedException.class)
        .hasMessageContaining("signature does not verify");
    OrderRequest garbage = new OrderRequest("r2", new CertificateSigningRequest(new byte[] {1, 2, 3}), request, null);
    assertThatThrownBy(() -> ca.submit(garbage)).isInstanceOf(CaRejectedException.class);
    assertThat(ca.orders()).isEmpty();
  }

  @Test
  void renewalWindowFollowsTheScript() {
    OrderRef order = submit("r1", "a.example.com");
    clock.advance(Duration.ofMinutes(2));
    CertificateChain chain = ca.retrieve(order);
    assertThat(ca.renewalWindow(chain)).isEmpty();
    ca.suggestRenewal(Duration.ofDays(30), Duration.ofDays(28));
    assertThat(ca.renewalWindow(chain)).contains(
        new RenewalWindow(chain.notAfter().minus(Duration.ofDays(30)), chain.notAfter().minus(Duration.ofDays(28))));
    assertThatThrownBy(() -> ca.suggestRenewal(Duration.ofDays(1), Duration.ofDays(2)))
        .hasMessageContaining("endBeforeExpiry");
  }

  @Test
  void ordersRecordWhatWasAsked() {
    TestCsr csr = TestCsr.forNames("a.example.com", "b.example.com");
    OrderRef order = ca.submit(csr.orderRequest("change-7"));
    FakeOrder recorded = ca.order(order);
    assertThat(recorded.requestId()).isEqualTo("change-7");
    assertThat(recorded.names()).containsExactly("a.example.com", "b.example.com");
    assertThat(recorded.validationType()).isEqualTo(ValidationType.DV);
    assertThat(recorded.submittedAt()).isEqualTo(T0);
    assertThat(recorded.state()).isEqualTo(FakeOrder.State.VALIDATING);
    assertThat(recorded.csr()).isEqualTo(csr.csr());
    assertThat(recorded.issued()).isNull();
    clock.advance(Duration.ofMinutes(2));
    CertificateChain chain = ca.retrieve(order);
    assertThat(ca.orders()).singleElement().satisfies(o -> {
      assertThat(o.state()).isEqualTo(FakeOrder.State.ISSUED);
      assertThat(o.issued()).isEqualTo(chain);
    });
  }

  @Test
  void builderNeedsAClockAndTakesEachPropertyOnce() {
    assertThatThrownBy(() -> FakeCertificateAuthority.builder().build()).hasMessageContaining("clock");
    assertThatThrownBy(() -> FakeCertificateAuthority.builder().id("a").id("b")).hasMessageContaining("id");
    assertThatThrownBy(() -> FakeCertificateAuthority.builder().id(" ")).hasMessageContaining("id");
    assertThat(FakeCertificateAuthority.builder().clock(clock).build().id()).isEqualTo("fake");
  }
}
