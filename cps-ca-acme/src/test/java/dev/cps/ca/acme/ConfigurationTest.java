package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateAuthorityProvider;
import dev.cps.spi.Contact;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyId;
import dev.cps.spi.Organization;
import dev.cps.spi.PluginContext;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder and the URI provider: what they accept, and what they refuse with which words. */
class ConfigurationTest {
  private static final String HMAC_KEY = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
  private final PluginContext context = new PluginContext(Clock.systemUTC(), new InMemoryPrivateKeyStore());
  @TempDir Path files;

  private static final Contact ADA = new Contact("Ada", "Admin", "ada@example.com", "+1 217 555 0101");

  /** An ACME CA cannot issue OV or EV: such a request is refused when enrolled, naming the field. */
  @Test
  void anAcmeCaRefusesOvAndEvRequestsUpFront() {
    AcmeCertificateAuthority ca = AcmeCertificateAuthority.builder().directory(URI.create("https://a.example/dir"))
        .keyStore(new InMemoryPrivateKeyStore()).build();
    EnrollmentRequest dv = EnrollmentRequest.builder().commonName("www.example.com").build();

    assertThat(ca.check(dv)).isEmpty();
    assertThat(ca.check(dv.toBuilder().validationType(ValidationType.OV).organization(new Organization(
        "Example Corp", null, "1 Main Street", "Springfield", "Illinois", "62701", "US", "+1 217 555 0100"))
        .adminContact(ADA).techContact(ADA).build()))
        .singleElement().satisfies(violation -> {
          assertThat(violation.field()).isEqualTo("validationType");
          assertThat(violation.value()).isEqualTo("OV");
          assertThat(violation.problem()).contains("DV certificates only");
        });
  }

  @Test
  void theProviderIsFoundByServiceLoaderAndAcceptsAcmeHttpsUris() {
    List<CertificateAuthorityProvider> accepting = ServiceLoader.load(CertificateAuthorityProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.accepts(URI.create("acme+https://acme.example/dir")))
        .toList();

    assertThat(accepting).singleElement().isInstanceOf(AcmeCertificateAuthorityProvider.class);
    assertThat(new AcmeCertificateAuthorityProvider().accepts(URI.create("https://acme.example/dir"))).isFalse();
    assertThat(new AcmeCertificateAuthorityProvider().accepts(URI.create("fake:ca"))).isFalse();
  }

  @Test
  void theUriCarriesTheConfiguration() throws Exception {
    Path key = Files.writeString(files.resolve("eab.key"), HMAC_KEY + "\n");
    Path roots = new TestPkiFiles(files).rootPem();

    CertificateAuthority ca = new AcmeCertificateAuthorityProvider().create(URI.create(
        "acme+https://acme.example:14000/dir?id=private-ca&agreeToTermsOfService=true&contact=ops%40example.com"
            + "&contact=mailto:sec@example.com&trust=" + roots + "&preferredChain=Example%20Root&profile=tlsserver"
            + "&timeout=45&sessions=4&accountKey=acme-private&eabKid=kid-1&eabHmacKeyFile=" + key), context);

    assertThat(ca.id()).isEqualTo("private-ca");
    assertThat(((AcmeCertificateAuthority) ca).directory()).isEqualTo(URI.create("https://acme.example:14000/dir"));
    assertThat(ca.toString()).doesNotContain(HMAC_KEY);
  }

  @Test
  void theUriRefusesWhatItDoesNotKnow() {
    AcmeCertificateAuthorityProvider provider = new AcmeCertificateAuthorityProvider();

    assertThatThrownBy(() -> provider.create(URI.create("acme+https://acme.example/dir?colour=blue"), context))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'colour'");
    assertThatThrownBy(() -> provider.create(URI.create("acme+https://acme.example/dir?eabKid=kid-1"), context))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eabHmacKeyFile");
    assertThatThrownBy(() -> provider.create(URI.create("acme+https://acme.example/dir?timeout=soon"), context))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'soon'");
    assertThatThrownBy(() -> provider.create(
        URI.create("acme+https://acme.example/dir?agreeToTermsOfService=maybe"), context))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'maybe'");
    assertThatThrownBy(() -> provider.create(
        URI.create("acme+https://acme.example/dir?eabKid=k&eabHmacKeyEnv=CPS_NO_SUCH_VARIABLE"), context))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CPS_NO_SUCH_VARIABLE");
  }

  @Test
  void theBuilderNamesWhatIsMissingOrWrong() {
    InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().keyStore(keys).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("directory is required");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().directory(URI.create("https://a.example/dir")).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("keyStore is required");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().directory(URI.create("http://a.example/dir"))
        .keyStore(keys).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'http://a.example/dir'");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().directory(URI.create("https://a.example/dir"))
        .keyStore(keys).sessions(0).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("sessions").hasMessageContaining("0");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().directory(URI.create("https://a.example/dir"))
        .keyStore(keys).timeout(Duration.ZERO).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().contact("not an address"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'not an address'");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().id("a").id("b"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("id was already set to a");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().externalAccountBinding("kid", "!!not base64!!"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("!!not base64!!");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().externalAccountBinding("kid", new byte[20]))
        .as("shorter than acme4j's HS256 needs").isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 32 bytes, was 20");
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().externalAccountBinding("kid", HMAC_KEY)
        .externalAccountBinding("kid", HMAC_KEY))
        .isInstanceOf(IllegalStateException.class).hasMessageNotContaining(HMAC_KEY);
    assertThatThrownBy(() -> AcmeCertificateAuthority.builder().trustAnchors(files.resolve("missing.pem")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.pem");
    assertThatThrownBy(() -> new AcmePolling(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longest");
  }

  @Test
  void eachDirectoryHasItsOwnAccountKey() {
    KeyId pebble = AcmeCertificateAuthorityBuilder.defaultAccountKey(URI.create("https://127.0.0.1:14000/dir"));

    assertThat(pebble.value()).startsWith("acme-account-").hasSize("acme-account-".length() + 16);
    assertThat(AcmeCertificateAuthorityBuilder.defaultAccountKey(URI.create("https://127.0.0.1:14000/dir")))
        .isEqualTo(pebble);
    assertThat(AcmeCertificateAuthorityBuilder.defaultAccountKey(URI.create("https://acme.example/directory")))
        .isNotEqualTo(pebble);
  }

  @Test
  void pollingWaitsDoubleUpToTheLongest() {
    AcmePolling polling = new AcmePolling(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofSeconds(1));

    assertThat(List.of(polling.delay(0), polling.delay(1), polling.delay(2), polling.delay(3), polling.delay(40)))
        .containsExactly(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300),
            Duration.ofMillis(300));
  }

  /** A PEM bundle file, as a host's private CA would hand out. */
  private record TestPkiFiles(Path directory) {
    Path rootPem() {
      return TestPki.create(directory.resolve("pki")).rootPem;
    }
  }
}
