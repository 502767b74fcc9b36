package dev.cps.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.UpdateMode;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.Contact;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.InvalidRequestException;
import dev.cps.spi.KeyType;
import dev.cps.spi.NetworkSettings;
import dev.cps.spi.Organization;
import dev.cps.spi.Violation;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A catalogue of requests that must be refused: each with a typed error naming the field and the
 * value, and with nothing stored, no key generated and no order placed.
 */
class BadInputTest {
  private static final Organization ORG = Requests.ORGANIZATION;
  private static final Contact ADMIN = Requests.ADMIN;

  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  static Stream<Arguments> badInputs() {
    String longCommonName = "a".repeat(60) + ".example.com";
    String longLabel = "a".repeat(64) + ".example.com";
    String longName = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(63), "com");
    return Stream.of(
        bad("empty CN", requesting(Requests.dv("")), "commonName", ""),
        bad("null CN", requesting(Requests.dv(null)), "commonName", null),
        bad("CN over 64 characters", requesting(Requests.dv(longCommonName)), "commonName", longCommonName),
        bad("label over 63 characters", requesting(Requests.dv("www.example.com", longLabel)),
            "subjectAlternativeNames[0]", longLabel),
        bad("name over 253 characters", requesting(Requests.dv("www.example.com", longName)),
            "subjectAlternativeNames[0]", longName),
        bad("underscore", requesting(Requests.dv("my_host.example.com")), "commonName", "my_host.example.com"),
        bad("space", requesting(Requests.dv("www.example.com", "my host.example.com")),
            "subjectAlternativeNames[0]", "my host.example.com"),
        bad("non-ASCII name", requesting(Requests.dv("bücher.example")), "commonName", "bücher.example"),
        bad("wildcard not leftmost", requesting(Requests.dv("www.*.example.com")), "commonName",
            "www.*.example.com"),
        bad("partial wildcard", requesting(Requests.dv("w*.example.com")), "commonName", "w*.example.com"),
        bad("wildcard on a TLD", requesting(Requests.dv("*.com")), "commonName", "*.com"),
        bad("single-label name", requesting(Requests.dv("localhost")), "commonName", "localhost"),
        bad("IP address", requesting(Requests.dv("192.168.1.1")), "commonName", "192.168.1.1"),
        bad("empty label", requesting(Requests.dv("a..example.com")), "commonName", "a..example.com"),
        bad("trailing dot", requesting(Requests.dv("www.example.com", "shop.example.com.")),
            "subjectAlternativeNames[0]", "shop.example.com."),
        bad("label starting with a hyphen", requesting(Requests.dv("-www.example.com")), "commonName",
            "-www.example.com"),
        bad("label ending with a hyphen", requesting(Requests.dv("www-.example.com")), "commonName",
            "www-.example.com"),
        bad("reserved label: '--' in the third and fourth places, not an A-label",
            requesting(Requests.dv("www.example.com", "ab--cd.example.com")), "subjectAlternativeNames[0]",
            "ab--cd.example.com"),
        bad("reserved label in capitals", requesting(Requests.dv("XY--shop.example.com")), "commonName",
            "XY--shop.example.com"),
        bad("duplicate SANs differing only by case",
            requesting(Requests.dv("www.example.com", "shop.example.com", "SHOP.Example.com")),
            "subjectAlternativeNames[1]", "SHOP.Example.com"),
        bad("SAN duplicating the CN with other case", requesting(Requests.dv("www.example.com", "WWW.example.com")),
            "subjectAlternativeNames[0]", "WWW.example.com"),
        bad("101 names: the CN and 100 SANs",
            requesting(Requests.dv("www.example.com").subjectAlternativeNames(sans(100))),
            "subjectAlternativeNames", "100 names"),
        bad("over 100 SANs", requesting(Requests.dv("www.example.com").subjectAlternativeNames(sans(101))),
            "subjectAlternativeNames", "101 names"),
        bad("a null SAN", requesting(Requests.dv("www.example.com").addSubjectAlternativeName(null)),
            "subjectAlternativeNames[0]", null),
        bad("three-letter country", requesting(Requests.ov("www.example.com").organization(country("DEU"))),
            "organization.country", "DEU"),
        bad("a lone surrogate in the organization", requesting(Requests.ov("www.example.com").organization(
            new Organization("Widgets \uD800 GmbH", ORG.unit(), ORG.street(), ORG.city(), ORG.region(),
                ORG.postalCode(), ORG.country(), ORG.phone()))), "organization.name", "Widgets \uD800 GmbH"),
        bad("unassigned country", requesting(Requests.ov("www.example.com").organization(country("XX"))),
            "organization.country", "XX"),
        bad("lower-case country", requesting(Requests.ov("www.example.com").organization(country("de"))),
            "organization.country", "de"),
        bad("e-mail without @", requesting(Requests.ov("www.example.com").adminContact(email("ada.example.com"))),
            "adminContact.email", "ada.example.com"),
        bad("e-mail without local part",
            requesting(Requests.ov("www.example.com").adminContact(email("@example.com"))),
            "adminContact.email", "@example.com"),
        bad("e-mail without domain", requesting(Requests.ov("www.example.com").adminContact(email("ada@"))),
            "adminContact.email", "ada@"),
        bad("e-mail with a single-label domain",
            requesting(Requests.ov("www.example.com").adminContact(email("ada@localhost"))),
            "adminContact.email", "ada@localhost"),
        bad("e-mail with two @", requesting(Requests.ov("www.example.com").adminContact(email("ada@@example.com"))),
            "adminContact.email", "ada@@example.com"),
        bad("e-mail with a double dot",
            requesting(Requests.ov("www.example.com").techContact(new Contact("Tom", "Tech", "tom..t@example.com",
                "+1 617 555 0100"))),
            "techContact.email", "tom..t@example.com"),
        bad("e-mail with a space",
            requesting(Requests.ov("www.example.com").adminContact(email("ada admin@example.com"))),
            "adminContact.email", "ada admin@example.com"),
        bad("phone in words", requesting(Requests.ov("www.example.com").adminContact(phone("call me"))),
            "adminContact.phone", "call me"),
        bad("phone with too few digits", requesting(Requests.ov("www.example.com").adminContact(phone("+1 23"))),
            "adminContact.phone", "+1 23"),
        bad("organization phone with letters",
            requesting(Requests.ov("www.example.com").organization(new Organization(ORG.name(), ORG.unit(),
                ORG.street(), ORG.city(), ORG.region(), ORG.postalCode(), ORG.country(), "+49 30 12x4567"))),
            "organization.phone", "+49 30 12x4567"),
        bad("OV without organization", requesting(Requests.ov("www.example.com").organization(null)),
            "organization", null),
        bad("EV without admin contact", requesting(Requests.ev("www.example.com").adminContact(null)),
            "adminContact", null),
        bad("OV without tech contact", requesting(Requests.ov("www.example.com").techContact(null)),
            "techContact", null),
        bad("blank organization name",
            requesting(Requests.ov("www.example.com").organization(new Organization("   ", ORG.unit(), ORG.street(),
                ORG.city(), ORG.region(), ORG.postalCode(), ORG.country(), ORG.phone()))),
            "organization.name", "   "),
        bad("RSA below 2048 bits", requesting(() -> Requests.dv("www.example.com").keyType(KeyType.rsa(1024))),
            "keyType", "RSA-1024"),
        bad("EC P-521", requesting(() -> Requests.dv("www.example.com").keyType(KeyType.ec(521))),
            "keyType", "EC-521"),
        bad("unknown TLS version",
            requesting(Requests.dv("www.example.com").networkSettings(disallowing(Set.of("TLSv1", "SSLv3")))),
            "networkSettings.disallowedTlsVersions", "SSLv3"),
        bad("every TLS version disallowed",
            requesting(Requests.dv("www.example.com").networkSettings(disallowing(NetworkSettings.TLS_VERSIONS))),
            "networkSettings.disallowedTlsVersions", String.valueOf(NetworkSettings.TLS_VERSIONS)),
        bad("cipher suite with a space",
            requesting(Requests.dv("www.example.com")
                .networkSettings(new NetworkSettings(true, Set.of(), List.of("TLS_AES_128_GCM_SHA256", "AES 256")))),
            "networkSettings.cipherSuites[1]", "AES 256"),
        bad("malformed CA id", requesting(Requests.dv("www.example.com").certificateAuthority("my ca!")),
            "certificateAuthority", "my ca!"),
        bad("CA not configured",
            provisioner -> provisioner.enroll(Requests.dv("www.example.com").certificateAuthority("other").build(),
                "alice"),
            "certificateAuthority", "other"),
        bad("blank who", provisioner -> provisioner.enroll(Requests.dv("www.example.com").build(), "  "),
            "who", "  "),
        bad("empty who", provisioner -> provisioner.enroll(Requests.dv("www.example.com").build(), ""),
            "who", ""),
        bad("who with a line break", provisioner -> provisioner.enroll(Requests.dv("www.example.com").build(),
            "alice\nengine: approved"), "who", "alice?engine: approved"),
        bad("who posing as the engine", provisioner -> provisioner.enroll(Requests.dv("www.example.com").build(),
            "Engine"), "who", "Engine"),
        bad("who of 201 characters", provisioner -> provisioner.enroll(Requests.dv("www.example.com").build(),
            "a".repeat(201)), "who", "a".repeat(40) + "..."));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void isRefusedNamingTheFieldAndValueWithNothingStored(
      String description, Consumer<CertificateProvisioner> attempt, String field, @Nullable String value) {
    CertificateProvisioner provisioner = cps.provisioner();

    InvalidRequestException refused =
        catchThrowableOfType(InvalidRequestException.class, () -> attempt.accept(provisioner));

    assertThat(refused).as(description).isNotNull();
    assertThat(refused.fields()).as(description).contains(field);
    Violation violation = refused.violations().stream().filter(v -> v.field().equals(field)).findFirst().orElseThrow();
    assertThat(violation.value()).as(description + ": the refused value").isEqualTo(value);
    assertThat(violation.problem()).isNotBlank();
    assertThat(refused.getMessage()).contains(field);
    if (value != null) {
      assertThat(refused.getMessage()).contains("'" + value + "'");
    }
    assertNothingStored(provisioner);
  }

  @Test
  void listsEveryProblemOfARequestInFieldOrder() {
    InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class, () -> Requests
        .ov("my_host.example.com", "www.*.example.com", "shop.example.com", "Shop.example.com")
        .organization(country("DEU"))
        .adminContact(new Contact("Ada", "Admin", "ada.example.com", "call me"))
        .techContact(null)
        .networkSettings(disallowing(Set.of("SSLv3")))
        .build());

    assertThat(refused).isNotNull();
    assertThat(refused.fields()).containsExactly(
        "commonName",
        "subjectAlternativeNames[0]",
        "subjectAlternativeNames[2]",
        "organization.country",
        "adminContact.email",
        "adminContact.phone",
        "techContact",
        "networkSettings.disallowedTlsVersions");
    assertThat(refused.violations()).extracting(Violation::value).containsExactly(
        "my_host.example.com", "www.*.example.com", "Shop.example.com", "DEU", "ada.example.com", "call me", null,
        "SSLv3");
    for (Violation violation : refused.violations()) {
      assertThat(refused.getMessage()).contains(violation.toString());
    }
    assertNothingStored(cps.provisioner());
  }

  @Test
  void refusedUpdateLeavesTheStoredEnrollmentAsItWas() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.dv("www.example.com", "example.com").build(), "alice");
    provisioner.runDue();
    cps.advance(Duration.ofMinutes(2));
    Enrollment before = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(before.production()).as("the first certificate is live").isNotNull();
    int orders = cps.ca().submitCount();
    int keys = cps.keys().size();

    List<InvalidRequestException> refusals = new ArrayList<>();
    for (UpdateMode mode : UpdateMode.values()) {
      refusals.add(catchThrowableOfType(InvalidRequestException.class, () -> provisioner.update(enrolled.id(),
          before.request().toBuilder().addSubjectAlternativeName("shop.example.com").certificateAuthority("other")
              .build(), mode, "alice")));
      refusals.add(catchThrowableOfType(InvalidRequestException.class, () -> provisioner.update(enrolled.id(),
          before.request().toBuilder().addSubjectAlternativeName("shop.example.com").build(), mode, " ")));
      refusals.add(catchThrowableOfType(InvalidRequestException.class, () -> provisioner.update(enrolled.id(),
          before.request().toBuilder().addSubjectAlternativeName("shop_example.com").build(), mode, "alice")));
    }
    cps.advance(Duration.ofMinutes(5));

    assertThat(refusals).extracting(InvalidRequestException::fields).containsExactly(
        List.of("certificateAuthority"), List.of("who"), List.of("subjectAlternativeNames[1]"),
        List.of("certificateAuthority"), List.of("who"), List.of("subjectAlternativeNames[1]"));
    Enrollment after = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(after.version()).isEqualTo(before.version());
    assertThat(after.request()).isEqualTo(before.request());
    assertThat(after.changes()).isEqualTo(before.changes());
    assertThat(after.production()).isEqualTo(before.production());
    assertThat(cps.ca().submitCount()).isEqualTo(orders);
    assertThat(cps.keys().size()).isEqualTo(keys);
  }

  @Test
  void refusedUpdateLeavesAPendingChangeAsItWas() {
    CertificateProvisioner provisioner = cps.provisioner();
    Enrollment enrolled = provisioner.enroll(Requests.ov("www.example.com").build(), "alice");
    provisioner.runDue();
    Enrollment before = provisioner.enrollment(enrolled.id()).orElseThrow();
    ChangeRef pending = ChangeRef.ofOpenChange(before);

    InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class,
        () -> provisioner.update(enrolled.id(),
            before.request().toBuilder().commonName("shop.example.com").certificateAuthority("other").build(),
            UpdateMode.CANCEL_PENDING, "alice"));

    assertThat(refused).isNotNull();
    assertThat(refused.fields()).containsExactly("certificateAuthority");
    Enrollment after = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(after.version()).isEqualTo(before.version());
    assertThat(after.request()).isEqualTo(before.request());
    assertThat(ChangeRef.ofOpenChange(after)).isEqualTo(pending);
    assertThat(cps.ca().orders()).singleElement().satisfies(order -> assertThat(order.cancelled()).isFalse());
  }

  @Test
  void acceptsEveryLimitExactly() {
    CertificateProvisioner provisioner = cps.provisioner();
    String commonName = "a".repeat(52) + ".example.com";
    String longestLabel = "b".repeat(63) + ".example.com";
    String longestName = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(57), "com");
    assertThat(commonName).hasSize(64);
    assertThat(longestName).hasSize(253);

    provisioner.enroll(Requests.dv(commonName, longestLabel, longestName).build(), "alice");
    provisioner.enroll(Requests.dv("www.example.com").subjectAlternativeNames(sans(99)).build(), "alice");
    provisioner.enroll(Requests.dv("*.example.com", "example.com", "WWW.EXAMPLE.COM").build(), "alice");
    // An A-label, and '--' anywhere but in the third and fourth places.
    provisioner.enroll(Requests.dv("xn--bcher-kva.example", "a--b.example.com", "abc--d.example.com").build(),
        "alice");
    provisioner.enroll(Requests.dv("www.example.com")
        .networkSettings(disallowing(Set.of("TLSv1", "TLSv1.1", "TLSv1.2"))).build(), "alice");

    assertThat(cps.store().list()).hasSize(5);
  }

  /** What the CA says it would refuse is refused at enrollment and at update, before anything is stored. */
  @Test
  void whatTheCaWouldRefuseIsRefusedBeforeAnythingIsStored() {
    CertificateAuthority noWildcards = Intercepted.of(CertificateAuthority.class, cps.ca(), (method, args, proceed) ->
        method.getName().equals("check") && ((EnrollmentRequest) args[0]).names().stream().anyMatch(n -> n.startsWith("*."))
            ? List.of(new Violation("subjectAlternativeNames", "*.example.com", "this CA issues no wildcards"))
            : proceed.call());
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder().clock(cps.clock())
        .enrollmentStore(cps.store()).keyStore(cps.keys()).certificateAuthority(noWildcards)
        .productionNetwork(cps.production()).build()) {
      InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class,
          () -> provisioner.enroll(Requests.dv("www.example.com", "*.example.com").build(), "alice"));

      assertThat(refused).isNotNull();
      assertThat(refused.getMessage()).contains("subjectAlternativeNames", "'*.example.com'", "no wildcards");
      assertThat(cps.store().list()).isEmpty();
      assertThat(cps.keys().size()).isZero();

      Enrollment enrolled = provisioner.enroll(Requests.dv("www.example.com").build(), "alice");
      assertThatThrownBy(() -> provisioner.update(enrolled.id(),
          enrolled.request().toBuilder().addSubjectAlternativeName("*.example.com").build(),
          UpdateMode.CANCEL_PENDING, "alice")).isInstanceOf(InvalidRequestException.class);
      assertThat(provisioner.enrollment(enrolled.id()).orElseThrow()).isEqualTo(enrolled);
    }
  }

  private void assertNothingStored(CertificateProvisioner provisioner) {
    assertThat(cps.store().list()).isEmpty();
    assertThat(provisioner.enrollments()).isEmpty();
    assertThat(cps.keys().size()).isZero();
    assertThat(provisioner.runDue()).isZero();
    assertThat(cps.ca().orders()).isEmpty();
    assertThat(cps.ca().submitCount()).isZero();
    assertThat(cps.events()).isEmpty();
  }

  private static Arguments bad(String description, Consumer<CertificateProvisioner> attempt, String field,
      @Nullable String value) {
    return arguments(description, attempt, field, value);
  }

  /** Builds the request inside the attempt, so that a refusal at build time is caught like one at enroll. */
  private static Consumer<CertificateProvisioner> requesting(EnrollmentRequest.Builder request) {
    return provisioner -> provisioner.enroll(request.build(), "alice");
  }

  private static Consumer<CertificateProvisioner> requesting(
      java.util.function.Supplier<EnrollmentRequest.Builder> request) {
    return provisioner -> provisioner.enroll(request.get().build(), "alice");
  }

  private static List<String> sans(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> "host" + i + ".example.com").toList();
  }

  private static Organization country(String country) {
    return new Organization(ORG.name(), ORG.unit(), ORG.street(), ORG.city(), ORG.region(), ORG.postalCode(), country,
        ORG.phone());
  }

  private static Contact email(String email) {
    return new Contact(ADMIN.firstName(), ADMIN.lastName(), email, ADMIN.phone());
  }

  private static Contact phone(String phone) {
    return new Contact(ADMIN.firstName(), ADMIN.lastName(), ADMIN.email(), phone);
  }

  private static NetworkSettings disallowing(Set<String> versions) {
    return new NetworkSettings(true, versions, List.of());
  }
}
