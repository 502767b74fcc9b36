package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.internal.json.EnrollmentJson;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Deployment;
import dev.cps.spi.Enrollment;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.TimelineEntry;
import dev.cps.testkit.FakeCertificateAuthority.Alteration;
import dev.cps.testkit.FakeOrder;
import dev.cps.testkit.junit.CpsTestkit;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Runs the whole workflow with every logger at its most talkative, then looks for each private key
 * the run generated, in every encoding a careless {@code toString} or log line might use, in
 * everything a host can see: log lines, throwables, events, enrollments, deployments, stores.
 */
class SecretsTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private final Map<Logger, Level> levelsBefore = new HashMap<>();
  private LoggerContext logging;

  @BeforeEach
  void captureEveryLogLine() {
    logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    captured.setContext(logging);
    captured.start();
    Logger root = logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    for (Logger logger : logging.getLoggerList()) {
      if (logger.getLevel() != null) {
        levelsBefore.put(logger, logger.getLevel());
        logger.setLevel(logger == root ? Level.ALL : null);
      }
    }
    root.setLevel(Level.ALL);
    root.addAppender(captured);
  }

  @AfterEach
  void restoreLogging() {
    logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(captured);
    captured.stop();
    levelsBefore.forEach(Logger::setLevel);
  }

  @Test
  void noPrivateKeyMaterialAppearsAnywhereAHostCanSee() {
    CertificateProvisioner provisioner = cps.provisioner();

    // DV, RSA-2048: the CA is down twice, then drops a SAN (a warning), then production refuses once.
    cps.ca().failNext(2).alterNext(Alteration.DROP_SAN);
    cps.production().failNext(1);
    Enrollment dv = provisioner.enroll(Requests.dv("www.example.com", "example.com", "static.example.com")
        .keyType(KeyType.RSA_2048).build(), "alice");
    cps.runFor(Duration.ofMinutes(30), Duration.ofMinutes(1));
    Change warned = openChange(provisioner, dv);
    assertThat(warned.state()).isInstanceOf(ChangeState.AwaitingWarningAcceptance.class);
    assertThat(warned.warnings()).isNotEmpty();
    provisioner.acceptWarnings(ChangeRef.of(dv.id(), warned), "alice");
    cps.runFor(Duration.ofMinutes(30), Duration.ofMinutes(1));
    assertThat(current(provisioner, dv).production()).isNotNull();

    // OV, EC P-256, Always Test on Staging: two days of validation, then the acknowledgement.
    Enrollment ov = provisioner.enroll(Requests.ov("shop.example.com", "api.example.com")
        .keyType(KeyType.EC_P256).alwaysTestOnStaging(true).build(), "bob");
    cps.runFor(Duration.ofDays(2).plusHours(1), Duration.ofHours(1));
    Change staged = openChange(provisioner, ov);
    assertThat(staged.state()).isInstanceOf(ChangeState.AwaitingStagingTest.class);
    provisioner.acknowledgeStagingTest(ChangeRef.of(ov.id(), staged), "bob");
    provisioner.runDue();
    assertThat(current(provisioner, ov).production()).isNotNull();

    // DV, EC P-256: the CA refuses the order for good (its key was already generated).
    cps.ca().rejectNext("policy forbids rejected.example.com");
    Enrollment rejected = provisioner.enroll(Requests.dv("rejected.example.com").build(), "carol");
    provisioner.runDue();
    Change refused = current(provisioner, rejected).latestChange().orElseThrow();
    assertThat(refused.state()).isInstanceOf(ChangeState.Failed.class);
    assertThat(cps.keys().publicKey(refused.key())).as("the key of a change that failed is deleted").isEmpty();

    // Eighty days on: renewals with new keys.
    cps.runFor(Duration.ofDays(80), Duration.ofHours(6));
    Enrollment renewed = current(provisioner, dv);
    assertThat(renewed.history()).as("the DV certificate was renewed").hasSize(1);
    assertThat(renewed.production().key()).isNotEqualTo(renewed.history().get(0).key());

    assertThat(cps.events()).hasAtLeastOneElementOfType(ProvisioningEvent.RetryScheduled.class)
        .hasAtLeastOneElementOfType(ProvisioningEvent.Failed.class)
        .hasAtLeastOneElementOfType(ProvisioningEvent.InputNeeded.class)
        .hasAtLeastOneElementOfType(ProvisioningEvent.Deployed.class);
    assertThat(cps.production().attempts()).isGreaterThan(cps.production().deployments().size());

    Map<KeyId, List<String>> secrets = secretsOfEveryStoredKey();
    assertThat(secrets).as("RSA and EC keys of four changes at least").hasSizeGreaterThanOrEqualTo(4);
    assertThat(captured.list).as("the log was captured at every level")
        .anySatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.DEBUG))
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("retry"))
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("policy forbids rejected.example.com"));

    Map<String, String> visible = new LinkedHashMap<>();
    for (int i = 0; i < captured.list.size(); i++) {
      ILoggingEvent line = captured.list.get(i);
      visible.put("log line " + i, line.getFormattedMessage() + " " + line.getMessage());
      Object[] arguments = line.getArgumentArray();
      if (arguments != null) {
        for (int a = 0; a < arguments.length; a++) {
          visible.put("log line " + i + " argument " + a, String.valueOf(arguments[a]));
        }
      }
      for (IThrowableProxy thrown = line.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
        visible.put("log line " + i + " throwable " + thrown.getClassName(),
            thrown.getMessage() + "\n" + ThrowableProxyUtil.asString(thrown));
      }
    }
    List<ProvisioningEvent> events = cps.events();
    for (int i = 0; i < events.size(); i++) {
      visible.put("event " + i, events.get(i).toString());
    }
    for (Enrollment enrollment : provisioner.enrollments()) {
      visible.put("enrollment " + enrollment.id(), enrollment.toString());
      visible.put("stored document of " + enrollment.id(), EnrollmentJson.toJson(enrollment));
      for (Change change : enrollment.changes()) {
        visible.put("change " + change.id(), change.toString());
        visible.put("timeline of " + change.id(), change.timeline().stream().map(TimelineEntry::toString).toList()
            .toString());
        visible.put("last error of " + change.id(), String.valueOf(change.lastError()));
      }
    }
    List<Deployment> deployments = new ArrayList<>(cps.staging().deployments());
    deployments.addAll(cps.production().deployments());
    for (int i = 0; i < deployments.size(); i++) {
      visible.put("deployment " + i, deployments.get(i).toString());
    }
    for (FakeOrder order : cps.ca().orders()) {
      visible.put("order " + order.ref().value(), order.toString());
    }
    visible.put("enrollment store", cps.store().toString());
    visible.put("key store", cps.keys().toString());
    visible.put("production network", cps.production().toString());
    visible.put("provisioner", provisioner.toString());

    KeyId someKey = secrets.keySet().iterator().next();
    assertThat(leaks(pem(cps.keys().privateKey(someKey)), secrets.get(someKey)))
        .as("the search finds a key that is there, even wrapped in PEM lines").isNotEmpty();
    secrets.forEach((key, needles) -> visible.forEach((where, text) ->
        assertThat(leaks(text, needles)).as("%s must not show private key %s", where, key).isEmpty()));
  }

  /** The needles found in the text as it is, without its white space (PEM, wrapped hex) or in lower case. */
  private static List<String> leaks(String text, List<String> needles) {
    String compact = text.replaceAll("\\s", "");
    String lower = compact.toLowerCase(Locale.ROOT);
    return needles.stream().filter(n -> text.contains(n) || compact.contains(n) || lower.contains(n)).toList();
  }

  private static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /** Each stored private key in the forms it could leak in: encoded, in part, and as its secret number. */
  private Map<KeyId, List<String>> secretsOfEveryStoredKey() {
    Map<KeyId, List<String>> secrets = new LinkedHashMap<>();
    boolean sawRsa = false;
    boolean sawEc = false;
    for (KeyId id : cps.keys().ids()) {
      PrivateKey key = cps.keys().privateKey(id);
      List<String> needles = new ArrayList<>();
      String encoded = Base64.getEncoder().encodeToString(key.getEncoded());
      needles.add(encoded);
      int middle = encoded.length() / 2;
      needles.add(encoded.substring(middle - 12, middle + 12));
      needles.add(Base64.getUrlEncoder().withoutPadding().encodeToString(key.getEncoded()).substring(middle - 12,
          middle + 12));
      if (key instanceof RSAPrivateKey rsa) {
        sawRsa = true;
        needles.add(rsa.getPrivateExponent().toString(16));
        needles.add(rsa.getPrivateExponent().toString());
        if (rsa instanceof RSAPrivateCrtKey crt) {
          needles.add(crt.getPrimeP().toString(16));
          needles.add(crt.getPrimeQ().toString(16));
        }
      } else if (key instanceof ECPrivateKey ec) {
        sawEc = true;
        needles.add(ec.getS().toString(16));
        needles.add(ec.getS().toString());
      } else {
        throw new AssertionError("unexpected key type " + key.getAlgorithm() + " under " + id);
      }
      assertThat(needles).allSatisfy(needle -> assertThat(needle).hasSizeGreaterThanOrEqualTo(24));
      secrets.put(id, needles);
    }
    assertThat(sawRsa).as("an RSA key was stored").isTrue();
    assertThat(sawEc).as("an EC key was stored").isTrue();
    return secrets;
  }

  private static Enrollment current(CertificateProvisioner provisioner, Enrollment enrollment) {
    return provisioner.enrollment(enrollment.id()).orElseThrow();
  }

  private static Change openChange(CertificateProvisioner provisioner, Enrollment enrollment) {
    return current(provisioner, enrollment).openChange().orElseThrow();
  }
}
