package dev.cps.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.EnrollmentId;
import dev.cps.spi.NetworkSettings;
import dev.cps.testkit.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IANA-to-OpenSSL table and the snippet, checked by OpenSSL and nginx themselves. */
class OpenSslCipherNamesTest {
  @TempDir
  Path directory;

  @Test
  void everyNameInTheTableIsOpenSslsOwnNameForThatSuite() throws Exception {
    Map<String, String> openssl = new HashMap<>();
    for (String line : run("openssl", "ciphers", "-stdname",
        "-ciphersuites", String.join(":", OpenSslCipherNames.TLS13), "ALL:COMPLEMENTOFALL").split("\n")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length > 3 && columns[1].equals("-")) {
        openssl.put(columns[0], columns[2]);
      }
    }
    assertThat(openssl).as("openssl ciphers -stdname output").isNotEmpty();

    OpenSslCipherNames.TLS12.forEach((iana, name) -> assertThat(openssl).containsEntry(iana, name));
    OpenSslCipherNames.TLS13.forEach(iana -> assertThat(openssl).containsKey(iana));
  }

  @Test
  void nginxAcceptsTheSnippetWithEverySetting() throws Exception {
    NetworkSettings settings = new NetworkSettings(false, Set.of("TLSv1", "TLSv1.1"),
        List.of("TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));
    EnrollmentId shop = EnrollmentId.of("shop");
    FileSystemNetwork network = FileSystemNetwork.builder(directory.resolve("certs")).build();
    network.deploy(new TestCertificates(MutableClock.at(Instant.parse("2026-03-02T09:30:00Z")))
        .deployment(shop, settings, "shop.example.com"));
    Path configuration = directory.resolve("nginx.conf");
    Files.writeString(configuration, """
        pid "%1$s/nginx.pid";
        events {}
        http {
          server {
            listen 127.0.0.1:1 ssl;
            include "%2$s";
          }
        }
        """.formatted(directory, network.currentDirectory(shop).resolve("nginx-ssl.conf")));

    String output = run(NginxServer.binary(), "-t", "-p", directory + "/", "-e", directory.resolve("error.log").toString(),
        "-c", configuration.toString());

    assertThat(output).contains("syntax is ok", "test is successful");
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(command[0] + " could not be run; install it: apt-get install -y " + Path.of(command[0])
          .getFileName() + " (.ci/run does)", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
    return output;
  }
}
