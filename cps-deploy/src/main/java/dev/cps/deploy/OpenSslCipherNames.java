package dev.cps.deploy;

import dev.cps.spi.DeploymentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Translates the cipher suite names of {@link dev.cps.spi.NetworkSettings} (the IANA names the JDK
 * uses too) into what OpenSSL, and so nginx, reads: TLS 1.3 suites go to {@code Ciphersuites}
 * under their IANA names, older suites to the cipher list under OpenSSL's own names. A name that is
 * already in OpenSSL's form passes through. {@code OpenSslCipherNamesTest} checks the table against
 * {@code openssl ciphers -stdname}.
 */
final class OpenSslCipherNames {
  static final Set<String> TLS13 = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");

  static final Map<String, String> TLS12 = Map.ofEntries(
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
      Map.entry("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
      Map.entry("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
      Map.entry("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"),
      Map.entry("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384"),
      Map.entry("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305"),
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"),
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384"),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384"),
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"),
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"),
      Map.entry("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"),
      Map.entry("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"),
      Map.entry("TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"),
      Map.entry("TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256"),
      Map.entry("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"),
      Map.entry("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"));

  /** An OpenSSL cipher name or expression element; nothing that could end or escape a directive. */
  private static final Pattern OPENSSL_NAME = Pattern.compile("[A-Za-z0-9!+@=._-]+");

  private OpenSslCipherNames() {}

  /** The suites split by how OpenSSL is told about them, each list in the settings' order. */
  record Split(List<String> tls13, List<String> older) {}

  /** @throws DeploymentException naming the suite that OpenSSL would not know */
  static Split split(List<String> suites) {
    List<String> tls13 = new ArrayList<>();
    List<String> older = new ArrayList<>();
    for (int i = 0; i < suites.size(); i++) {
      String suite = suites.get(i);
      if (TLS13.contains(suite)) {
        tls13.add(suite);
      } else if (TLS12.containsKey(suite)) {
        older.add(TLS12.get(suite));
      } else if (!suite.startsWith("TLS_") && OPENSSL_NAME.matcher(suite).matches()) {
        older.add(suite);
      } else {
        throw new DeploymentException("networkSettings.cipherSuites[" + i + "] '" + suite
            + "' has no OpenSSL name known here; give the OpenSSL name (such as ECDHE-ECDSA-AES128-GCM-SHA256)"
            + " or one of " + TLS13 + " and the TLS 1.2 suites of " + OpenSslCipherNames.class.getSimpleName());
      }
    }
    return new Split(List.copyOf(tls13), List.copyOf(older));
  }
}
