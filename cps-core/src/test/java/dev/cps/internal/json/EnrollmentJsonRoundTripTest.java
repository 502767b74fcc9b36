package dev.cps.internal.json;

import static dev.cps.internal.json.JsonFixtures.CHAIN;
import static dev.cps.internal.json.JsonFixtures.NOW;
import static dev.cps.internal.json.JsonFixtures.emptyEnrollment;
import static dev.cps.internal.json.JsonFixtures.everyState;
import static dev.cps.internal.json.JsonFixtures.fullChange;
import static dev.cps.internal.json.JsonFixtures.fullEnrollment;
import static dev.cps.internal.json.JsonFixtures.minimalRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.NetworkSettings;
import dev.cps.spi.TimelineEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EnrollmentJsonRoundTripTest {

  static Stream<ChangeState> states() {
    return everyState().stream();
  }

  @Test
  void fixturesCoverEveryPermittedState() {
    List<Class<?>> covered = everyState().stream().<Class<?>>map(ChangeState::getClass).toList();

    assertThat(covered).containsExactlyInAnyOrder(ChangeState.class.getPermittedSubclasses());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void everyStateRoundTripsWithEveryFieldSet(ChangeState state) {
    Enrollment enrollment = fullEnrollment(fullChange(state));

    Enrollment read = EnrollmentJson.fromBytes(EnrollmentJson.toBytes(enrollment));

    assertThat(read).isEqualTo(enrollment);
    assertThat(read.changes().get(1).state()).isEqualTo(state);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void everyStateRoundTripsWithNullableFieldsNull(ChangeState state) {
    Change bare = Change.open(ChangeId.of("c"), ChangeReason.NEW_CERTIFICATE, minimalRequest(), "ca", NOW, "bob")
        .toBuilder()
        .state(state)
        .nextActionAt(null)
        .build();
    Enrollment enrollment = emptyEnrollment().toBuilder().putChange(bare).build();

    assertThat(EnrollmentJson.fromJson(EnrollmentJson.toJson(enrollment))).isEqualTo(enrollment);
  }

  @Test
  void enrollmentWithoutOrganizationContactsOrChangesRoundTrips() {
    Enrollment enrollment = emptyEnrollment();
    assertThat(enrollment.request().organization()).isNull();
    assertThat(enrollment.request().adminContact()).isNull();

    assertThat(EnrollmentJson.fromJson(EnrollmentJson.toJson(enrollment))).isEqualTo(enrollment);
  }

  /**
   * Each thread writes its documents through one buffer of its own: a document far larger than
   * the buffer kept, then a small one, then many on several threads at once, each whole and alone.
   */
  @Test
  void documentsWrittenOneAfterAnotherAndOnSeveralThreadsAreEachWhole() throws Exception {
    Change busy = fullChange(new ChangeState.Validating());
    for (int i = 0; i < 1_500; i++) {
      busy = busy.withTimelineEntry(new TimelineEntry(NOW.plusSeconds(i), "note " + i + " ".repeat(40), "alice"));
    }
    Enrollment large = fullEnrollment(busy);
    Enrollment small = emptyEnrollment();

    byte[] largeDocument = EnrollmentJson.toBytes(large);
    byte[] smallDocument = EnrollmentJson.toBytes(small);

    assertThat(largeDocument.length).as("larger than the buffer a thread keeps").isGreaterThan(64 * 1024);
    assertThat(EnrollmentJson.fromBytes(largeDocument)).isEqualTo(large);
    assertThat(EnrollmentJson.fromBytes(smallDocument)).isEqualTo(small);
    Enrollment medium = fullEnrollment(fullChange(new ChangeState.ReadyForStaging()));
    byte[] expected = EnrollmentJson.toBytes(medium);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        boolean alternate = t % 2 == 0;
        results.add(threads.submit(() -> {
          for (int i = 0; i < 500; i++) {
            Enrollment next = alternate && i % 2 == 0 ? small : medium;
            byte[] expectedNow = next == small ? smallDocument : expected;
            if (!Arrays.equals(EnrollmentJson.toBytes(next), expectedNow)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(30, TimeUnit.SECONDS)).as("every document whole").isTrue();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Documents this library writes are bound straight from their text; any other opening (spaces, the
   * version further on, an older version) is read through a tree, and must read the same.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void documentsOpeningOtherwiseReadTheSame(ChangeState state) {
    Enrollment enrollment = fullEnrollment(fullChange(state));
    String written = EnrollmentJson.toJson(enrollment);
    String body = written.substring("{\"v\":2,".length());

    for (String document : List.of(written, "{ \"v\": 2, " + body, "{" + body.substring(0, body.length() - 1)
        + ",\"v\":2}", "{\"v\":1," + body, "\n" + written)) {
      assertThat(EnrollmentJson.fromJson(document)).as(document.substring(0, 12)).isEqualTo(enrollment);
      assertThat(EnrollmentJson.fromBytes(document.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .isEqualTo(enrollment);
    }
  }

  @Test
  void stringAndBytesFormsAreTheSameDocument() {
    Enrollment enrollment = fullEnrollment(fullChange(new ChangeState.Validating()));

    assertThat(EnrollmentJson.toJson(enrollment).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(EnrollmentJson.toBytes(enrollment));
  }

  @Test
  void documentStartsWithSchemaVersionAndReadsLikeTheDomain() {
    String json = EnrollmentJson.toJson(fullEnrollment(fullChange(new ChangeState.AwaitingDeploymentDate(NOW))));

    assertThat(json).startsWith("{\"v\":2,\"id\":\"enrollment-1\",");
    assertThat(json)
        .contains("\"type\":\"AwaitingDeploymentDate\"")
        .contains("\"notBefore\":\"2026-03-01T10:15:30.123456789Z\"")
        .contains("\"keyType\":\"RSA-2048\"")
        .contains("\"key\":\"key-2\"")
        .contains(Base64.getEncoder().encodeToString(encoded(CHAIN.leaf())))
        .doesNotContain("\"open\"")
        .doesNotContain("\"terminal\"");
  }

  @Test
  void setsAreWrittenSortedSoTheSameEnrollmentIsTheSameDocument() {
    Enrollment enrollment = emptyEnrollment().toBuilder()
        .request(minimalRequest().toBuilder()
            .networkSettings(new NetworkSettings(true, Set.of("TLSv1.2", "TLSv1", "TLSv1.1"), List.of("B", "A")))
            .build())
        .build();

    assertThat(EnrollmentJson.toJson(enrollment))
        .contains("\"disallowedTlsVersions\":[\"TLSv1\",\"TLSv1.1\",\"TLSv1.2\"]")
        .contains("\"cipherSuites\":[\"B\",\"A\"]");
  }

  @Test
  void nullFieldsAreLeftOut() {
    String json = EnrollmentJson.toJson(emptyEnrollment());

    assertThat(json).doesNotContain("null").doesNotContain("\"staging\"").doesNotContain("\"organization\"");
  }

  @Test
  void certificatesComeBackAsTheSameDer() {
    Enrollment read = EnrollmentJson.fromBytes(EnrollmentJson.toBytes(
        fullEnrollment(fullChange(new ChangeState.Completed()))));

    List<byte[]> der = read.production().chain().certificates().stream().map(EnrollmentJsonRoundTripTest::encoded)
        .toList();
    assertThat(der).hasSize(2);
    assertThat(Arrays.equals(der.get(0), encoded(CHAIN.leaf()))).isTrue();
    assertThat(read.production().chain().notAfter()).isEqualTo(CHAIN.notAfter());
  }

  @Test
  void aCertificateHeldInSeveralPlacesIsWrittenOnceAndReadBackEverywhere() {
    Enrollment enrollment = fullEnrollment(fullChange(new ChangeState.Completed()));
    String leaf = Base64.getEncoder().encodeToString(encoded(CHAIN.leaf()));
    String json = EnrollmentJson.toJson(enrollment);

    assertThat(json.split(java.util.regex.Pattern.quote(leaf), -1)).hasSize(2);
    assertThat(json).contains("\"certificates\":[0,1]");
    Enrollment read = EnrollmentJson.fromJson(json);
    assertThat(read).isEqualTo(enrollment);
    assertThat(read.production().chain().leaf()).isSameAs(read.changes().get(1).certificate().leaf());
  }

  @Test
  void aSchemaVersionOneDocumentWithEveryCertificateWrittenInFullStillReads() {
    Enrollment enrollment = fullEnrollment(fullChange(new ChangeState.Completed()));
    Base64.Encoder base64 = Base64.getEncoder();
    String chain = "\"certificates\":[\"" + base64.encodeToString(encoded(CHAIN.leaf())) + "\",\""
        + base64.encodeToString(encoded(CHAIN.certificates().get(1))) + "\"]";
    String versionOne = EnrollmentJson.toJson(enrollment)
        .replace("{\"v\":2,", "{\"v\":1,")
        .replace("\"certificates\":[0,1]", chain);
    assertThat(versionOne).doesNotContain("[0,1]");

    assertThat(EnrollmentJson.fromJson(versionOne)).isEqualTo(enrollment);
  }

  @Test
  void unknownFieldsAreIgnoredAtEveryLevel() {
    Enrollment enrollment = fullEnrollment(fullChange(new ChangeState.AwaitingChallenges(
        List.of(JsonFixtures.challenge("c9")))));
    String json = EnrollmentJson.toJson(enrollment)
        .replace("{\"v\":2,", "{\"v\":2,\"addedLater\":{\"deep\":[1,2,3]},")
        .replace("\"type\":\"AwaitingChallenges\",", "\"type\":\"AwaitingChallenges\",\"hint\":\"x\",")
        .replace("\"commonName\":", "\"tenant\":\"t-1\",\"commonName\":")
        .replace("\"reason\":\"RENEWAL\",", "\"reason\":\"RENEWAL\",\"priority\":5,");
    assertThat(json).contains("addedLater", "hint", "tenant", "priority");

    assertThat(EnrollmentJson.fromJson(json)).isEqualTo(enrollment);
  }

  private static byte[] encoded(java.security.cert.X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new AssertionError(e);
    }
  }
}
