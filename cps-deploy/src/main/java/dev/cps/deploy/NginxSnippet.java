package dev.cps.deploy;

import dev.cps.spi.Deployment;
import dev.cps.spi.NetworkSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The TLS part of an nginx {@code server} block for one version: certificate, key, protocols and
 * ciphers. The host's configuration includes it through the {@code current} link
 * ({@code include /srv/certs/<enrollment>/current/nginx-ssl.conf;}), so a reload after the switch
 * reads the new certificate and settings together.
 */
final class NginxSnippet {
  static final String FILE_NAME = "nginx-ssl.conf";

  /** Protocol names in the order nginx lists them; the same names as {@link NetworkSettings#TLS_VERSIONS}. */
  private static final List<String> PROTOCOLS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

  private NginxSnippet() {}

  /** Text for a comment line: a line break in it would end the comment and start a directive. */
  private static String oneLine(String text) {
    StringBuilder line = new StringBuilder(text.length());
    text.codePoints().forEach(c -> line.appendCodePoint(c < 0x20 || c == 0x7f ? ' ' : c));
    return line.toString();
  }

  /**
   * @param version the version directory as nginx will find it, absolute
   * @throws dev.cps.spi.DeploymentException if a cipher suite has no OpenSSL name
   */
  static String render(Deployment deployment, Path version) {
    NetworkSettings settings = deployment.settings();
    StringBuilder out = new StringBuilder()
        .append("# Written by CPS for enrollment ").append(oneLine(deployment.enrollment().value()))
        .append(", change ").append(oneLine(deployment.change().value()))
        .append(", certificate serial ").append(deployment.chain().serialNumber()).append(".\n")
        .append("ssl_certificate ").append(quoted(version.resolve(VersionFiles.FULLCHAIN))).append(";\n")
        .append("ssl_certificate_key ").append(quoted(version.resolve(VersionFiles.PRIVATE_KEY))).append(";\n");
    if (!settings.disallowedTlsVersions().isEmpty()) {
      String allowed = PROTOCOLS.stream()
          .filter(p -> !settings.disallowedTlsVersions().contains(p))
          .collect(Collectors.joining(" "));
      out.append("# nginx negotiates the version before it picks a server by name: it applies the\n")
          .append("# ssl_protocols of the default server of a listen address only.\n")
          .append("ssl_protocols ").append(allowed).append(";\n");
    }
    OpenSslCipherNames.Split ciphers = OpenSslCipherNames.split(settings.cipherSuites());
    if (!ciphers.older().isEmpty()) {
      out.append("ssl_ciphers ").append(String.join(":", ciphers.older())).append(";\n");
    }
    if (!ciphers.tls13().isEmpty()) {
      out.append("ssl_conf_command Ciphersuites ").append(String.join(":", ciphers.tls13())).append(";\n");
    }
    if (!settings.cipherSuites().isEmpty()) {
      out.append("ssl_prefer_server_ciphers on;\n");
    }
    if (settings.sniOnly()) {
      out.append("# SNI only: nginx picks this server by name; a default server with\n")
          .append("# 'ssl_reject_handshake on;' on the same listen address refuses clients that send none.\n");
    }
    return out.toString();
  }

  /** The root was checked for characters nginx would read specially (see FileSystemNetwork.Builder). */
  private static String quoted(Path path) {
    return "\"" + path + "\"";
  }
}
