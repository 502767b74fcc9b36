package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.TestCsr;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Pebble that creates accounts only with External Account Binding. */
class ExternalAccountBindingTest {
  private static final String KID = "kid-1";
  private static final String KEY = randomKey();
  @TempDir static Path directory;
  private static AcmeFixture acme;

  @BeforeAll
  static void startPebble() {
    acme = AcmeFixture.start(directory, options -> options.externalAccounts(Map.of(KID, KEY)));
  }

  @AfterAll
  static void stopPebble() {
    if (acme != null) {
      acme.close();
    }
  }

  @Test
  void theRightKeyCreatesTheAccountAndTheCertificateIsIssued() {
    String name = AcmeFixture.name("eab");
    try (Workflow flow = new Workflow(acme, ca -> ca.externalAccountBinding(KID, KEY),
        b -> b.challengeSolver(acme.httpSolver()))) {
      Enrollment done = flow.untilProduction(flow.enroll(name).id());

      assertThat(done.production()).isNotNull();
    }
  }

  @Test
  void aWrongKeyFailsTheChangeWithTheServersReason() {
    try (Workflow flow = new Workflow(acme, ca -> ca.externalAccountBinding(KID, randomKey()),
        b -> b.challengeSolver(acme.httpSolver()))) {
      Enrollment enrolled = flow.enroll(AcmeFixture.name("eab-wrong"));

      Enrollment failed = flow.untilState(enrolled.id(), ChangeState.Failed.class);

      String reason = ((ChangeState.Failed) failed.latestChange().orElseThrow().state()).reason();
      assertThat(reason).contains("the CA refused", "urn:ietf:params:acme:error:");
      assertThat(reason).as("the MAC key never shows").doesNotContain(KEY);
    }
  }

  @Test
  void anUnknownKeyIdIsRefused() {
    AcmeCertificateAuthority ca =
        acme.ca(new InMemoryPrivateKeyStore(), Clock.systemUTC()).externalAccountBinding("kid-9", KEY).build();

    CaRejectedException refused = catchThrowableOfType(CaRejectedException.class,
        () -> ca.submit(TestCsr.forNames(AcmeFixture.name("eab-kid")).orderRequest("r1")));

    assertThat(refused.code()).startsWith("urn:ietf:params:acme:error:");
    assertThat(refused.getMessage()).doesNotContain(KEY);
  }

  @Test
  void withoutABindingTheCaSaysWhatToConfigure() {
    AcmeCertificateAuthority ca = acme.ca(new InMemoryPrivateKeyStore(), Clock.systemUTC()).build();

    CaRejectedException refused = catchThrowableOfType(CaRejectedException.class,
        () -> ca.submit(TestCsr.forNames(AcmeFixture.name("eab-none")).orderRequest("r1")));

    assertThat(refused.code()).isEqualTo("urn:ietf:params:acme:error:externalAccountRequired");
    assertThat(refused.reason()).contains("externalAccountBinding(keyId, hmacKey)");
  }

  private static String randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
  }
}
