package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStoreProvider;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.spi.PrivateKeyStoreProvider;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A URL such as {@code jdbc:sqlite:cps.db} is enough: the providers are found through ServiceLoader. */
class ProvidersTest {
  @TempDir
  Path directory;

  @AfterEach
  void forgetTheKek() {
    System.clearProperty(ProviderConfiguration.KEK_PROPERTY);
    System.clearProperty(ProviderConfiguration.PREVIOUS_KEK_PROPERTY);
  }

  @Test
  void theKekIsRotatedByNamingThePreviousOneBesideTheNewOne() throws Exception {
    String kekA = "raw:kek-a:" + Base64.getEncoder().encodeToString(filled(1));
    String kekB = "raw:kek-b:" + Base64.getEncoder().encodeToString(filled(2));
    Path file = directory.resolve("rotated.db");
    URI location = URI.create("jdbc:sqlite:" + file);
    MutableClock clock = MutableClock.at(LocalWorkflow.START);
    JdbcPrivateKeyStoreProvider provider = new JdbcPrivateKeyStoreProvider();
    System.setProperty(ProviderConfiguration.KEK_PROPERTY, kekA);
    PrivateKeyStore underA = provider.create(location, clock);
    KeyId key = KeyId.of("before-the-rotation");
    underA.generate(key, KeyType.EC_P256);
    byte[] original = underA.privateKey(key).getEncoded();

    System.setProperty(ProviderConfiguration.KEK_PROPERTY, kekB);
    assertThatThrownBy(() -> provider.create(location, clock))
        .isInstanceOf(WrongKeyEncryptionKeyException.class)
        .hasMessageContaining("'kek-a'")
        .hasMessageContaining(ProviderConfiguration.PREVIOUS_KEK_VARIABLE)
        .hasMessageNotContaining(kekA.substring("raw:kek-a:".length()));

    System.setProperty(ProviderConfiguration.PREVIOUS_KEK_PROPERTY, kekA);
    PrivateKeyStore rotated = provider.create(location, clock);
    assertThat(rotated.privateKey(key).getEncoded()).isEqualTo(original);
    assertThat(kekIds(file)).containsExactly("kek-b");

    System.clearProperty(ProviderConfiguration.PREVIOUS_KEK_PROPERTY);
    assertThat(provider.create(location, clock).privateKey(key).getEncoded()).isEqualTo(original);
  }

  /** A key that does not open stops the re-sealing, not the start: the store opens under either KEK. */
  @Test
  void aReSealingThatFailsAtStartLeavesTheStoreWorkingUnderBothKeks() throws Exception {
    Path file = directory.resolve("half-rotated.db");
    URI location = URI.create("jdbc:sqlite:" + file);
    MutableClock clock = MutableClock.at(LocalWorkflow.START);
    JdbcPrivateKeyStoreProvider provider = new JdbcPrivateKeyStoreProvider();
    System.setProperty(ProviderConfiguration.KEK_PROPERTY, "raw:kek-a:" + Base64.getEncoder().encodeToString(filled(1)));
    PrivateKeyStore underA = provider.create(location, clock);
    KeyId good = KeyId.of("good");
    KeyId tampered = KeyId.of("tampered");
    underA.generate(good, KeyType.EC_P256);
    underA.generate(tampered, KeyType.EC_P256);
    byte[] original = underA.privateKey(good).getEncoded();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        PreparedStatement flip = connection.prepareStatement(
            "UPDATE cps_private_key SET encrypted_private_key = ? WHERE id = 'tampered'");
        ResultSet row = connection.createStatement()
            .executeQuery("SELECT encrypted_private_key FROM cps_private_key WHERE id = 'tampered'")) {
      assertThat(row.next()).isTrue();
      byte[] sealed = row.getBytes(1);
      sealed[sealed.length - 1] ^= 1;
      flip.setBytes(1, sealed);
      assertThat(flip.executeUpdate()).isEqualTo(1);
    }

    System.setProperty(ProviderConfiguration.KEK_PROPERTY, "raw:kek-b:" + Base64.getEncoder().encodeToString(filled(2)));
    System.setProperty(ProviderConfiguration.PREVIOUS_KEK_PROPERTY,
        "raw:kek-a:" + Base64.getEncoder().encodeToString(filled(1)));
    PrivateKeyStore started = provider.create(location, clock);

    assertThat(kekIds(file)).as("the re-sealing was rolled back as a whole").containsOnly("kek-a");
    assertThat(started.privateKey(good).getEncoded()).isEqualTo(original);
    assertThatThrownBy(() -> started.privateKey(tampered)).isInstanceOf(RuntimeException.class);
  }

  private static byte[] filled(int value) {
    byte[] key = new byte[KeyEncryptionKey.RAW_LENGTH];
    Arrays.fill(key, (byte) value);
    return key;
  }

  /** The KEK id of each stored key, read from the raw rows. */
  private static List<String> kekIds(Path file) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        ResultSet rows = connection.createStatement().executeQuery("SELECT kek_id FROM cps_private_key")) {
      List<String> ids = new ArrayList<>();
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
      return ids;
    }
  }

  @Test
  void bothProvidersAreRegisteredAndAcceptJdbcUrlsOfTheirDatabasesOnly() {
    EnrollmentStoreProvider enrollments = ServiceLoader.load(EnrollmentStoreProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p instanceof JdbcEnrollmentStoreProvider).findFirst()
        .orElseThrow();
    PrivateKeyStoreProvider keys = ServiceLoader.load(PrivateKeyStoreProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p instanceof JdbcPrivateKeyStoreProvider).findFirst()
        .orElseThrow();
    for (String accepted : new String[] {"jdbc:sqlite:cps.db", "jdbc:postgresql://db.example:5432/cps?user=cps"}) {
      assertThat(enrollments.accepts(URI.create(accepted))).as(accepted).isTrue();
      assertThat(keys.accepts(URI.create(accepted))).as(accepted).isTrue();
    }
    for (String refused : new String[] {"memory:default", "jdbc:mysql://db/cps", "sqlite:cps.db"}) {
      assertThat(enrollments.accepts(URI.create(refused))).as(refused).isFalse();
      assertThat(keys.accepts(URI.create(refused))).as(refused).isFalse();
    }
  }

  @Test
  void aProvisionerBuiltFromOneUrlTakesACertificateToProduction() {
    byte[] kek = new byte[32];
    kek[0] = 7;
    System.setProperty(ProviderConfiguration.KEK_PROPERTY, "raw:env-kek:" + Base64.getEncoder().encodeToString(kek));
    URI location = URI.create("jdbc:sqlite:" + directory.resolve("from-url.db"));
    MutableClock clock = MutableClock.at(LocalWorkflow.START);
    RecordingNetwork production = new RecordingNetwork("production");
    try (CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(location)
        .keyStore(location)
        .certificateAuthority(FakeCertificateAuthority.builder().clock(clock).build())
        .productionNetwork(production)
        .build()) {
      var enrollment = provisioner.enroll(EnrollmentRequest.builder().commonName("url.example.com").build(), "test");
      clock.advance(java.time.Duration.ofDays(2));
      provisioner.runDue();
      clock.advance(java.time.Duration.ofDays(2));
      provisioner.runDue();
      assertThat(provisioner.enrollment(enrollment.id()).orElseThrow().production()).isNotNull();
    }
    assertThat(production.deployments()).hasSize(1);
  }

  @Test
  void aKeyStoreWithoutAKekSaysHowToGiveOne() {
    URI location = URI.create("jdbc:sqlite:" + directory.resolve("no-kek.db") + "?password=secret");
    if (System.getenv(ProviderConfiguration.KEK_VARIABLE) == null) {
      assertThatThrownBy(() -> new JdbcPrivateKeyStoreProvider().create(location, MutableClock.at(LocalWorkflow.START)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(ProviderConfiguration.KEK_VARIABLE)
          .hasMessageContaining("raw:<id>:<base64 of 32 bytes>")
          .hasMessageNotContaining("secret");
      assertThat(Files.exists(directory.resolve("no-kek.db"))).as("database file created").isFalse();
    }
  }

  @Test
  void aMalformedKekIsRefusedWithoutShowingIt() {
    assertThatThrownBy(() -> ProviderConfiguration.parse("hunter2-hunter2", "system property cps.store.kek"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cps.store.kek must be raw:<id>:<base64 of 32 bytes> or passphrase:<id>:<passphrase>")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> ProviderConfiguration.parse("raw:k1:c2hvcnQ=", "CPS_STORE_KEK"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be the base64 of 32 bytes, was 5 bytes");
    assertThat(ProviderConfiguration.parse("passphrase:ops:a long passphrase", "CPS_STORE_KEK").id()).isEqualTo("ops");
  }

  @Test
  void aPassphraseKekWithItsIdAndPassphraseSwappedIsRefusedWithoutShowingThePassphrase() {
    for (String swapped : List.of("correct horse battery staple", "Tr0ub4dor&3", "horse")) {
      assertThatThrownBy(() -> ProviderConfiguration.parse("passphrase:" + swapped + ":ops", "CPS_STORE_KEK"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("CPS_STORE_KEK")
          .hasMessageContaining("may be swapped")
          .hasMessageNotContaining("horse")
          .hasMessageNotContaining("Tr0ub4dor");
    }
    assertThatThrownBy(() -> ProviderConfiguration.parse("passphrase:ops:horse", "CPS_STORE_KEK"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 8 characters, had 5")
        .hasMessageNotContaining("horse");
    assertThatThrownBy(() -> ProviderConfiguration.parse("raw:a key+/=:" + Base64.getEncoder()
        .encodeToString(filled(1)), "CPS_STORE_KEK"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("may be swapped")
        .hasMessageNotContaining("a key");
    assertThat(ProviderConfiguration.parse("passphrase:kek_2026.ops-1:a long passphrase", "CPS_STORE_KEK").id())
        .isEqualTo("kek_2026.ops-1");
    assertThat(ProviderConfiguration.parse("passphrase:kek@prod:a long passphrase", "CPS_STORE_KEK").id())
        .isEqualTo("kek@prod");
    assertThat(ProviderConfiguration.parse("raw:kek/2025:" + Base64.getEncoder().encodeToString(filled(1)),
        "CPS_STORE_KEK").id()).isEqualTo("kek/2025");
  }

  @Test
  void aRawKekWithItsIdAndKeySwappedIsRefusedWithoutShowingTheKey() {
    String key = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> ProviderConfiguration.parse("raw:" + key + ":kek-1", "CPS_STORE_KEK"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the id and the key may be swapped")
        .hasMessageNotContaining(key);
    assertThatThrownBy(() -> ProviderConfiguration.parse("raw:" + key + ":not base64!", "CPS_STORE_KEK"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining(key);
    String urlSafe = Base64.getUrlEncoder().encodeToString(new byte[] {-5, -1, -2, 62, 63, 1, 2, 3, 4, 5, 6, 7, 8, 9,
        10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, -1});
    String hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    for (String swapped : List.of(urlSafe, hex)) {
      assertThatThrownBy(() -> ProviderConfiguration.parse("raw:" + swapped + ":prod", "CPS_STORE_KEK"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("may be swapped")
          .hasMessageNotContaining(swapped);
    }
    String longId = "x".repeat(201);
    assertThatThrownBy(() -> ProviderConfiguration.parse("raw:" + longId + ":" + key, "CPS_STORE_KEK"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("had 201")
        .hasMessageNotContaining(longId);
    assertThat(ProviderConfiguration.parse("raw:kek-1:" + key, "CPS_STORE_KEK").id()).isEqualTo("kek-1");
  }
}
