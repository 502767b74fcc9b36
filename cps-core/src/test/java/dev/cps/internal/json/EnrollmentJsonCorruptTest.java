package dev.cps.internal.json;

import static dev.cps.internal.json.JsonFixtures.fullChange;
import static dev.cps.internal.json.JsonFixtures.fullEnrollment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cps.spi.ChangeState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnrollmentJsonCorruptTest {
  private static final String GOOD = EnrollmentJson.toJson(fullEnrollment(fullChange(new ChangeState.Validating())));

  @ParameterizedTest
  @ValueSource(strings = {"", "not json", "[1,2]", "\"text\"", "42", "null", "{\"v\":1,\"i", "{\"id\":7,"})
  void unreadableDocumentIsCorruptWithoutAnId(String document) {
    CorruptDocumentException e = catchThrowableOfType(CorruptDocumentException.class,
        () -> EnrollmentJson.fromBytes(document.getBytes(StandardCharsets.UTF_8)));

    assertThat(e).isNotNull();
    assertThat(e.enrollmentId()).isNull();
    assertThat(e).hasMessageContaining("(id unreadable)");
  }

  @Test
  void truncatedDocumentIsCorruptAndStillNamesTheEnrollment() {
    String truncated = GOOD.substring(0, GOOD.length() / 2);

    assertCorrupt(truncated, "not JSON");
    CorruptDocumentException fromBytes = catchThrowableOfType(CorruptDocumentException.class,
        () -> EnrollmentJson.fromBytes(truncated.getBytes(StandardCharsets.UTF_8)));
    assertThat(fromBytes.enrollmentId()).isEqualTo("enrollment-1");
  }

  @Test
  void trailingGarbageIsCorrupt() {
    assertCorrupt(GOOD + "}", "not JSON");
  }

  @Test
  void missingSchemaVersionIsCorruptAndNamesTheEnrollment() {
    assertCorrupt(GOOD.replace("{\"v\":2,", "{"), "schema version");
  }

  @Test
  void newerSchemaVersionIsRefusedAndSaysToUpgrade() {
    assertCorrupt(GOOD.replace("{\"v\":2,", "{\"v\":3,"), "upgrade the library");
  }

  @Test
  void missingRequiredFieldIsCorrupt() {
    assertCorrupt(GOOD.replaceFirst("\"createdAt\":\"[^\"]*\",", ""), "createdAt");
  }

  @Test
  void unknownStateIsCorrupt() {
    assertCorrupt(GOOD.replace("\"type\":\"Validating\"", "\"type\":\"Teleporting\""), "Teleporting");
  }

  @Test
  void stateWithoutTypeIsCorrupt() {
    assertCorrupt(GOOD.replace("\"type\":\"Validating\"", "\"kind\":\"Validating\""), "type");
  }

  @Test
  void badCertificateIsCorrupt() {
    String leaf = GOOD.replaceAll("(?s).*\"certificates\":\\[\"([^\"]+)\".*", "$1");
    assertThat(leaf).isNotEqualTo(GOOD);

    assertCorrupt(GOOD.replace(leaf, "AAAA" + leaf.substring(40)), "certificate");
  }

  @Test
  void certificateReferenceToNoEarlierCertificateIsCorrupt() {
    assertThat(GOOD).contains("\"certificates\":[0,1]");

    assertCorrupt(GOOD.replace("\"certificates\":[0,1]", "\"certificates\":[0,7]"), "certificate 7");
  }

  @Test
  void badKeyTypeIsCorrupt() {
    assertCorrupt(GOOD.replace("\"keyType\":\"RSA-2048\"", "\"keyType\":\"RSA-1024\""), "RSA-1024");
  }

  @Test
  void requestThatNoLongerValidatesIsCorrupt() {
    assertCorrupt(GOOD.replace("\"commonName\":\"www.example.com\"", "\"commonName\":\"-bad-\""), "commonName");
  }

  @Test
  void wrongTypeOfValueIsCorrupt() {
    assertCorrupt(GOOD.replace("\"attempts\":3", "\"attempts\":\"three\""), "attempts");
  }

  private static void assertCorrupt(String document, String mentioned) {
    assertThat(document).isNotEqualTo(GOOD);
    CorruptDocumentException fromJson = catchThrowableOfType(CorruptDocumentException.class,
        () -> EnrollmentJson.fromJson(document));
    CorruptDocumentException fromBytes = catchThrowableOfType(CorruptDocumentException.class,
        () -> EnrollmentJson.fromBytes(document.getBytes(StandardCharsets.UTF_8)));

    for (CorruptDocumentException e : List.of(fromJson, fromBytes)) {
      assertThat(e).isNotNull();
      assertThat(e.enrollmentId()).isEqualTo("enrollment-1");
      assertThat(e).hasMessageContaining("enrollment-1").hasMessageContaining(mentioned);
    }
  }
}
