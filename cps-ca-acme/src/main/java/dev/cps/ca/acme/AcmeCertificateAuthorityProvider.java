package dev.cps.ca.acme;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateAuthorityProvider;
import dev.cps.spi.KeyId;
import dev.cps.spi.PluginContext;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * Builds an {@link AcmeCertificateAuthority} from an {@code acme+https} URI: the directory URL with
 * {@code acme+} before its scheme, and the configuration in query parameters, for example
 *
 * <pre>acme+https://acme.example:14000/dir?agreeToTermsOfService=true&amp;contact=ops@example.com&amp;trust=/etc/cps/acme-roots.pem</pre>
 *
 * <p>Parameters: {@code id}, {@code agreeToTermsOfService} ({@code true}), {@code contact}
 * (repeatable), {@code trust} (a PEM bundle of roots for the server's TLS), {@code preferredChain},
 * {@code profile}, {@code timeout} (seconds or ISO-8601, such as {@code PT30S}), {@code sessions},
 * {@code accountKey}, and for External Account Binding {@code eabKid} with the MAC key read from a
 * file ({@code eabHmacKeyFile}) or an environment variable ({@code eabHmacKeyEnv}) — never from the
 * URI itself, which ends up in logs. The account key goes to the provisioner's key store.
 */
public final class AcmeCertificateAuthorityProvider implements CertificateAuthorityProvider {
  /** The scheme this provider accepts. */
  public static final String SCHEME = "acme+https";
  private static final Set<String> PARAMETERS = Set.of("id", "agreeToTermsOfService", "contact", "trust",
      "preferredChain", "profile", "timeout", "sessions", "accountKey", "eabKid", "eabHmacKeyFile", "eabHmacKeyEnv");

  public AcmeCertificateAuthorityProvider() {}

  @Override
  public boolean accepts(URI location) {
    return SCHEME.equalsIgnoreCase(location.getScheme());
  }

  @Override
  public CertificateAuthority create(URI location, PluginContext context) {
    if (!accepts(location)) {
      throw new IllegalArgumentException("not an " + SCHEME + " URI: " + location);
    }
    AcmeCertificateAuthorityBuilder builder = AcmeCertificateAuthority.builder()
        .directory(directoryOf(location))
        .keyStore(context.keyStore())
        .clock(context.clock());
    String eabKid = null;
    String eabKey = null;
    String query = location.getRawQuery();
    for (String pair : query == null || query.isEmpty() ? new String[0] : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!PARAMETERS.contains(name)) {
        throw new IllegalArgumentException("unknown parameter '" + name + "' in " + SCHEME + " URI; known: "
            + PARAMETERS);
      }
      switch (name) {
        case "id" -> builder.id(value);
        case "agreeToTermsOfService" -> {
          if (!"true".equals(value)) {
            throw new IllegalArgumentException("agreeToTermsOfService must be 'true' when given, was '" + value + "'");
          }
          builder.agreeToTermsOfService();
        }
        case "contact" -> builder.contact(value);
        case "trust" -> builder.trustAnchors(Path.of(value));
        case "preferredChain" -> builder.preferredChain(value);
        case "profile" -> builder.profile(value);
        case "timeout" -> builder.timeout(duration(value));
        case "sessions" -> builder.sessions(number("sessions", value));
        case "accountKey" -> builder.accountKey(KeyId.of(value));
        case "eabKid" -> eabKid = value;
        case "eabHmacKeyFile" -> eabKey = readKeyFile(value);
        case "eabHmacKeyEnv" -> eabKey = readKeyEnv(value);
        default -> throw new IllegalStateException("parameter " + name + " is listed but not handled");
      }
    }
    if ((eabKid == null) != (eabKey == null)) {
      throw new IllegalArgumentException("External Account Binding needs both eabKid and eabHmacKeyFile"
          + " (or eabHmacKeyEnv)");
    }
    if (eabKid != null) {
      builder.externalAccountBinding(eabKid, eabKey);
    }
    return builder.build();
  }

  private static URI directoryOf(URI location) {
    try {
      return new URI("https", location.getRawAuthority() == null ? null : location.getAuthority(),
          location.getPath(), null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot take the directory URL from " + location, e);
    }
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static Duration duration(String value) {
    try {
      return value.startsWith("P") ? Duration.parse(value) : Duration.ofSeconds(Long.parseLong(value));
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException("timeout must be seconds or an ISO-8601 duration, was '" + value + "'", e);
    }
  }

  private static int number(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'", e);
    }
  }

  private static String readKeyFile(String path) {
    try {
      return Files.readString(Path.of(path), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalArgumentException("eabHmacKeyFile: cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private static String readKeyEnv(String variable) {
    String value = System.getenv(variable);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("eabHmacKeyEnv: the environment variable " + variable + " is not set");
    }
    return value.trim();
  }
}
