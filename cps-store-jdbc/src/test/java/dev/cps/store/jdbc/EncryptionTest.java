package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Private keys at rest: encrypted, rotated, and refused to the wrong key-encryption key. */
class EncryptionTest {
  private static final List<KeyId> IDS = List.of(KeyId.of("ec-256"), KeyId.of("ec-384"), KeyId.of("rsa-2048"));
  private static final List<KeyType> TYPES = List.of(KeyType.EC_P256, KeyType.EC_P384, KeyType.RSA_2048);

  @TempDir
  Path directory;

  private static JdbcStores open(String url, KeyEncryptionKey kek) {
    return JdbcStores.builder().url(url).keyEncryptionKey(kek).build();
  }

  /** The three keys' PKCS#8 encodings, after generating them. */
  private static Map<KeyId, byte[]> generateKeys(PrivateKeyStore keys) {
    Map<KeyId, byte[]> encoded = new LinkedHashMap<>();
    for (int i = 0; i < IDS.size(); i++) {
      keys.generate(IDS.get(i), TYPES.get(i));
      encoded.put(IDS.get(i), keys.privateKey(IDS.get(i)).getEncoded());
    }
    return encoded;
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void noKeyMaterialIsReadableInTheRawRows(Databases kind) {
    try (JdbcStores stores = open(kind.newUrl(directory), TestKeks.first())) {
      generateKeys(stores.keys());
      List<byte[]> columns = rawColumns(stores);
      assertThat(columns).isNotEmpty();
      for (KeyId id : IDS) {
        PrivateKey key = stores.keys().privateKey(id);
        for (byte[] secret : secretForms(key)) {
          for (byte[] column : columns) {
            assertThat(indexOf(column, secret)).as("%s key material (%d bytes) in a stored column", id, secret.length)
                .isEqualTo(-1);
          }
        }
      }
      assertThat(rows(stores)).allSatisfy(row -> assertThat(row.kekId()).isEqualTo("kek-1"));
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void rotationReEncryptsEveryKeyUnderTheNewKek(Databases kind) {
    String url = kind.newUrl(directory);
    Map<KeyId, byte[]> before;
    List<Row> rowsBefore;
    try (JdbcStores stores = open(url, TestKeks.first())) {
      before = generateKeys(stores.keys());
      rowsBefore = rows(stores);
      assertThat(stores.rotateKeyEncryptionKey(TestKeks.second())).isEqualTo(3);
      List<Row> rotated = rows(stores);
      for (int i = 0; i < rotated.size(); i++) {
        assertThat(rotated.get(i).kekId()).isEqualTo("kek-2");
        assertThat(rotated.get(i).wrappedDataKey()).isNotEqualTo(rowsBefore.get(i).wrappedDataKey());
        assertThat(rotated.get(i).encryptedPrivateKey()).isNotEqualTo(rowsBefore.get(i).encryptedPrivateKey());
        assertThat(rotated.get(i).publicKey()).isEqualTo(rowsBefore.get(i).publicKey());
      }
      assertThat(stores.rotateKeyEncryptionKey(TestKeks.second())).as("a second rotation has nothing to do").isZero();
      for (KeyId id : IDS) {
        assertThat(stores.keys().privateKey(id).getEncoded()).isEqualTo(before.get(id));
      }
    }
    try (JdbcStores reopened = open(url, TestKeks.second())) {
      for (KeyId id : IDS) {
        assertThat(reopened.keys().privateKey(id).getEncoded()).isEqualTo(before.get(id));
      }
    }
    assertThatThrownBy(() -> open(url, TestKeks.first()))
        .isInstanceOf(WrongKeyEncryptionKeyException.class)
        .hasMessageContaining("stored under key-encryption key 'kek-2'")
        .hasMessageContaining("'kek-1' was given");
  }

  /**
   * Keys generated while a rotation runs are sealed under the new KEK, or under the old one and
   * re-sealed by the rotation: none is left under the old KEK, which would open with neither.
   */
  @ParameterizedTest
  @EnumSource(Databases.class)
  void keysGeneratedDuringARotationOpenWithTheNewKek(Databases kind) throws Exception {
    String url = kind.newUrl(directory);
    List<KeyId> generated = new CopyOnWriteArrayList<>();
    try (JdbcStores stores = open(url, TestKeks.first())) {
      PrivateKeyStore keys = stores.keys();
      for (int i = 0; i < 200; i++) {
        generated.add(KeyId.of("before-" + i));
        keys.generate(generated.get(i), KeyType.EC_P256);
      }
      AtomicBoolean rotated = new AtomicBoolean();
      CountDownLatch underWay = new CountDownLatch(10);
      CompletableFuture<Void> generator = CompletableFuture.runAsync(() -> {
        for (int i = 0; !rotated.get() || i < 20; i++) {
          KeyId id = KeyId.of("during-" + i);
          if (i % 2 == 0) {
            keys.generate(id, KeyType.EC_P256);
          } else {
            keys.generateAsync(id, KeyType.EC_P256).stored().join();
          }
          generated.add(id);
          underWay.countDown();
        }
      }, runnable -> new Thread(runnable, "generator").start());
      assertThat(underWay.await(30, TimeUnit.SECONDS)).as("the generator is under way").isTrue();
      stores.rotateKeyEncryptionKey(TestKeks.second());
      rotated.set(true);
      generator.get(30, TimeUnit.SECONDS); // and threw nothing

      assertThat(rows(stores)).as("keys under each KEK").allSatisfy(row -> assertThat(row.kekId()).isEqualTo("kek-2"));
      assertThat(generated).allSatisfy(id -> assertThat(keys.privateKey(id)).isNotNull());
    }
    try (JdbcStores reopened = open(url, TestKeks.second())) {
      assertThat(generated).allSatisfy(id -> assertThat(reopened.keys().privateKey(id)).isNotNull());
    }
  }

  /**
   * Another provisioner, not yet stopped, seals a key under the old KEK after the rotation: a store
   * given the old KEK as a previous one opens it, and a rotation moves it to the new KEK.
   */
  @ParameterizedTest
  @EnumSource(Databases.class)
  void aKeySealedUnderTheOldKekAfterARotationOpensWithItAsAPreviousKekAndIsRotated(Databases kind) {
    String url = kind.newUrl(directory);
    Map<KeyId, byte[]> before;
    byte[] straggler;
    try (JdbcStores rotating = open(url, TestKeks.first()); JdbcStores lagging = open(url, TestKeks.first())) {
      before = generateKeys(rotating.keys());
      assertThat(rotating.rotateKeyEncryptionKey(TestKeks.second())).isEqualTo(3);
      lagging.keys().generate(KeyId.of("straggler"), KeyType.EC_P256);
      straggler = lagging.keys().privateKey(KeyId.of("straggler")).getEncoded();
      assertThat(rotating.keys().privateKey(KeyId.of("straggler")).getEncoded())
          .as("the KEK rotated away from still opens in the rotating store").isEqualTo(straggler);
    }
    assertThatThrownBy(() -> open(url, TestKeks.second()))
        .isInstanceOf(WrongKeyEncryptionKeyException.class)
        .hasMessageContaining("stored under key-encryption key 'kek-1'")
        .hasMessageContaining("previousKeyEncryptionKeys");

    try (JdbcStores recovering = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.second())
        .previousKeyEncryptionKeys(TestKeks.first()).build()) {
      assertThat(recovering.keys().privateKey(KeyId.of("straggler")).getEncoded()).isEqualTo(straggler);
      assertThat(recovering.rotateKeyEncryptionKey(TestKeks.second())).as("keys moved").isEqualTo(1);
      assertThat(rows(recovering)).allSatisfy(row -> assertThat(row.kekId()).isEqualTo("kek-2"));
    }
    try (JdbcStores reopened = open(url, TestKeks.second())) {
      assertThat(reopened.keys().privateKey(KeyId.of("straggler")).getEncoded()).isEqualTo(straggler);
      for (KeyId id : IDS) {
        assertThat(reopened.keys().privateKey(id).getEncoded()).isEqualTo(before.get(id));
      }
    }
  }

  /**
   * A PostgreSQL collation that orders ids otherwise than Java (ICU puts {@code prod-2024} before
   * {@code Prod-2025}): the check of the ring's ids still finds the keys under either in the ring.
   */
  @Test
  void theRingIsCheckedInTheDatabasesOwnOrderOfIds() {
    KeyEncryptionKey older = KeyEncryptionKey.raw("prod-2024", TestKeks.filled(0x44));
    KeyEncryptionKey newer = KeyEncryptionKey.raw("Prod-2025", TestKeks.filled(0x55));
    String url = Databases.POSTGRESQL.newUrl(directory);
    try (JdbcStores rotating = open(url, older); JdbcStores lagging = open(url, older)) {
      Databases.sql(rotating, connection -> {
        Databases.execute(connection, "ALTER TABLE cps_private_key ALTER COLUMN kek_id TYPE TEXT COLLATE \"und-x-icu\"");
        Databases.execute(connection, "ALTER TABLE cps_key_encryption_key ALTER COLUMN id TYPE TEXT COLLATE \"und-x-icu\"");
        return null;
      });
      rotating.keys().generate(KeyId.of("rotated"), KeyType.EC_P256);
      rotating.rotateKeyEncryptionKey(newer);
      lagging.keys().generate(KeyId.of("straggler"), KeyType.EC_P256);
    }

    try (JdbcStores both = JdbcStores.builder().url(url).keyEncryptionKey(newer).previousKeyEncryptionKeys(older)
        .build()) {
      assertThat(both.keys().privateKey(KeyId.of("rotated"))).isNotNull();
      assertThat(both.keys().privateKey(KeyId.of("straggler"))).isNotNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void theWrongKekIsRefusedAndNothingIsOverwritten(Databases kind) {
    String url = kind.newUrl(directory);
    List<Row> stored;
    try (JdbcStores stores = open(url, TestKeks.first())) {
      generateKeys(stores.keys());
      stored = rows(stores);
    }
    assertThatThrownBy(() -> open(url, TestKeks.impostor()))
        .isInstanceOf(WrongKeyEncryptionKeyException.class)
        .hasMessageContaining("'kek-1' is not the one recorded under that id")
        .satisfies(e -> assertThat(((WrongKeyEncryptionKeyException) e).keyEncryptionKeyId()).isEqualTo("kek-1"));
    assertThatThrownBy(() -> open(url, KeyEncryptionKey.passphrase("kek-1", "a passphrase".toCharArray())))
        .isInstanceOf(WrongKeyEncryptionKeyException.class)
        .hasMessageContaining("recorded as raw bytes, but a passphrase");
    try (JdbcStores stores = open(url, TestKeks.first())) {
      assertThat(rows(stores)).usingRecursiveFieldByFieldElementComparator().isEqualTo(stored);
      // A rotation to a KEK whose id is recorded with other bytes writes nothing either.
      assertThatThrownBy(() -> stores.rotateKeyEncryptionKey(TestKeks.impostor()))
          .isInstanceOf(WrongKeyEncryptionKeyException.class);
      assertThat(rows(stores)).usingRecursiveFieldByFieldElementComparator().isEqualTo(stored);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aPassphraseOpensWhatItSealedAndAnotherDoesNot(Databases kind) {
    String url = kind.newUrl(directory);
    KeyEncryptionKey right = KeyEncryptionKey.passphrase("ops-2026", "correct horse battery".toCharArray());
    Map<KeyId, byte[]> before;
    try (JdbcStores stores = open(url, right)) {
      before = generateKeys(stores.keys());
    }
    try (JdbcStores stores = open(url, right)) {
      assertThat(stores.keys().privateKey(IDS.get(0)).getEncoded()).isEqualTo(before.get(IDS.get(0)));
    }
    assertThatThrownBy(() -> open(url, KeyEncryptionKey.passphrase("ops-2026", "wrong horse battery".toCharArray())))
        .isInstanceOf(WrongKeyEncryptionKeyException.class)
        .hasMessageContaining("other passphrase were given")
        .hasMessageNotContaining("horse");
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void aRotationThatMeetsAKeyItCannotOpenIsRolledBack(Databases kind) {
    try (JdbcStores stores = open(kind.newUrl(directory), TestKeks.first())) {
      generateKeys(stores.keys());
      Databases.sql(stores, connection -> {
        // Alters the wrapped data key of the last key the rotation will reach.
        byte[] wrapped = rows(stores).get(2).wrappedDataKey();
        wrapped[wrapped.length - 1] ^= 1;
        try (PreparedStatement update = connection.prepareStatement(
            "UPDATE cps_private_key SET wrapped_data_key = ? WHERE id = ?")) {
          update.setBytes(1, wrapped);
          update.setString(2, "rsa-2048");
          update.executeUpdate();
        }
        return null;
      });
      List<Row> tampered = rows(stores);
      assertThatThrownBy(() -> stores.rotateKeyEncryptionKey(TestKeks.second()))
          .isInstanceOf(WrongKeyEncryptionKeyException.class)
          .hasMessageContaining("private key rsa-2048 does not open");
      assertThat(rows(stores)).usingRecursiveFieldByFieldElementComparator().isEqualTo(tampered);
      assertThat(stores.keys().privateKey(IDS.get(0))).isNotNull();
    }
  }

  /**
   * A store refused because the keys are under another KEK has not recorded its own: the next
   * start, with that id's right secret and the old KEK as a previous one, opens.
   */
  @ParameterizedTest
  @EnumSource(Databases.class)
  void aStoreRefusedForKeysUnderAnotherKekLeavesItsOwnIdFree(Databases kind) {
    String url = kind.newUrl(directory);
    Map<KeyId, byte[]> keys;
    try (JdbcStores first = open(url, TestKeks.first())) {
      keys = generateKeys(first.keys());
    }
    KeyEncryptionKey mistyped = KeyEncryptionKey.raw("kek-2", TestKeks.filled(0x66));
    assertThatThrownBy(() -> open(url, mistyped)).isInstanceOf(WrongKeyEncryptionKeyException.class)
        .hasMessageContaining("private keys are stored under key-encryption key 'kek-1'");

    try (JdbcStores moving = JdbcStores.builder().url(url).keyEncryptionKey(TestKeks.second())
        .previousKeyEncryptionKeys(TestKeks.first()).build()) {
      assertThat(moving.rotateKeyEncryptionKey(TestKeks.second())).isEqualTo(keys.size());
      keys.forEach((id, encoded) -> assertThat(moving.keys().privateKey(id).getEncoded()).isEqualTo(encoded));
    }
  }

  /** A destroyed KEK holds zeros: it is refused, and nothing is recorded or sealed under it. */
  @Test
  void aDestroyedKekIsRefusedAndNothingIsSealedUnderIt() {
    String url = Databases.SQLITE.newUrl(directory);
    try (JdbcStores stores = open(url, TestKeks.first())) {
      generateKeys(stores.keys());
      List<Row> before = rows(stores);
      KeyEncryptionKey destroyed = TestKeks.second();
      destroyed.destroy();

      assertThatThrownBy(() -> stores.rotateKeyEncryptionKey(destroyed))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'kek-2' was destroyed");
      assertThatThrownBy(() -> open(url, destroyed)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("was destroyed");
      assertThat(rows(stores)).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
      int recorded = Databases.sql(stores, connection -> {
        try (Statement statement = connection.createStatement();
            ResultSet count = statement.executeQuery(
                "SELECT count(*) FROM cps_key_encryption_key WHERE id = 'kek-2'")) {
          count.next();
          return count.getInt(1);
        }
      });
      assertThat(recorded).as("kek-2 recorded").isZero();
    }
  }

  /**
   * Two nodes rotating one PostgreSQL database at once, to different KEKs: both read the key under
   * the old KEK, and the second to write it finds it moved by the first. That one fails and rolls
   * back rather than reporting a key it did not move and switching to a KEK no key is under.
   */
  @Test
  void ofTwoRotationsAtOnceOnPostgresqlTheSecondToReachAKeyFailsAndTheFirstStands() throws Exception {
    String url = Databases.POSTGRESQL.newUrl(directory);
    ExecutorService nodes = Executors.newFixedThreadPool(2);
    try (JdbcStores a = open(url, TestKeks.first()); JdbcStores b = open(url, TestKeks.first());
        Connection holder = DriverManager.getConnection(url)) {
      a.keys().generate(KeyId.of("k"), KeyType.EC_P256);
      holder.setAutoCommit(false);
      Databases.execute(holder, "SELECT id FROM cps_private_key WHERE id = 'k' FOR UPDATE");
      Future<Integer> toSecond = nodes.submit(() -> a.rotateKeyEncryptionKey(TestKeks.second()));
      Future<Integer> toThird = nodes.submit(() -> b.rotateKeyEncryptionKey(TestKeks.third()));
      // Both rotations read the key, and both wait to write it.
      await().atMost(Duration.ofSeconds(30)).until(() -> Databases.waitingForALock(url) == 2);
      holder.commit();

      Map<String, Throwable> failed = new LinkedHashMap<>();
      Map<String, Integer> rotated = new LinkedHashMap<>();
      for (Map.Entry<String, Future<Integer>> rotation : Map.of("kek-2", toSecond, "kek-3", toThird).entrySet()) {
        try {
          rotated.put(rotation.getKey(), rotation.getValue().get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          failed.put(rotation.getKey(), e.getCause());
        }
      }
      assertThat(rotated).as("rotations that reported moving the key").hasSize(1).containsValue(1);
      assertThat(failed).hasSize(1);
      assertThat(failed.values().iterator().next()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another rotation moved it");
      String winner = rotated.keySet().iterator().next();
      assertThat(rows(a)).singleElement().extracting(Row::kekId).isEqualTo(winner);
      JdbcStores won = winner.equals("kek-2") ? a : b;
      assertThat(won.keys().privateKey(KeyId.of("k"))).isNotNull();
    } finally {
      nodes.shutdownNow();
    }
  }

  /** A key deleted while a rotation waits to re-seal it is not moved, and fails nothing. */
  @Test
  void aKeyDeletedWhileARotationWaitsForItIsLeftOutOfTheRotation() throws Exception {
    String url = Databases.POSTGRESQL.newUrl(directory);
    ExecutorService node = Executors.newSingleThreadExecutor();
    try (JdbcStores stores = open(url, TestKeks.first()); Connection holder = DriverManager.getConnection(url)) {
      stores.keys().generate(KeyId.of("j"), KeyType.EC_P256);
      stores.keys().generate(KeyId.of("k"), KeyType.EC_P256);
      holder.setAutoCommit(false);
      Databases.execute(holder, "SELECT id FROM cps_private_key WHERE id = 'k' FOR UPDATE");
      Future<Integer> rotation = node.submit(() -> stores.rotateKeyEncryptionKey(TestKeks.second()));
      await().atMost(Duration.ofSeconds(30)).until(() -> Databases.waitingForALock(url) == 1);
      Databases.execute(holder, "DELETE FROM cps_private_key WHERE id = 'k'");
      holder.commit();

      assertThat(rotation.get(30, TimeUnit.SECONDS)).as("keys re-sealed").isEqualTo(1);
      assertThat(rows(stores)).singleElement().satisfies(row -> {
        assertThat(row.id()).isEqualTo("j");
        assertThat(row.kekId()).isEqualTo("kek-2");
      });
    } finally {
      node.shutdownNow();
    }
  }

  record Row(String id, String kekId, byte[] publicKey, byte[] wrappedDataKey, byte[] encryptedPrivateKey) {}

  private static List<Row> rows(JdbcStores stores) {
    return Databases.sql(stores, connection -> {
      List<Row> rows = new ArrayList<>();
      try (PreparedStatement statement = connection.prepareStatement("SELECT id, kek_id, public_key, wrapped_data_key,"
          + " encrypted_private_key FROM cps_private_key ORDER BY id");
          ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          rows.add(new Row(result.getString(1), result.getString(2), result.getBytes(3), result.getBytes(4),
              result.getBytes(5)));
        }
      }
      return rows;
    });
  }

  /** Every column of every key row, as bytes. */
  private static List<byte[]> rawColumns(JdbcStores stores) {
    return Databases.sql(stores, connection -> {
      List<byte[]> columns = new ArrayList<>();
      try (PreparedStatement statement = connection.prepareStatement("SELECT * FROM cps_private_key");
          ResultSet result = statement.executeQuery()) {
        int count = result.getMetaData().getColumnCount();
        while (result.next()) {
          for (int i = 1; i <= count; i++) {
            Object value = result.getObject(i);
            columns.add(value instanceof byte[] bytes ? bytes
                : String.valueOf(value).getBytes(StandardCharsets.UTF_8));
          }
        }
      }
      return columns;
    });
  }

  /** The PKCS#8 encoding and the secret numbers, raw and as text, long enough to be telling. */
  private static List<byte[]> secretForms(PrivateKey key) {
    List<byte[]> forms = new ArrayList<>();
    byte[] pkcs8 = key.getEncoded();
    forms.add(pkcs8);
    forms.add(Base64.getEncoder().encodeToString(pkcs8).getBytes(StandardCharsets.US_ASCII));
    forms.add(HexFormat.of().formatHex(pkcs8).getBytes(StandardCharsets.US_ASCII));
    List<BigInteger> secrets = new ArrayList<>();
    if (key instanceof ECPrivateKey ec) {
      secrets.add(ec.getS());
    }
    if (key instanceof RSAPrivateCrtKey rsa) {
      secrets.addAll(List.of(rsa.getPrivateExponent(), rsa.getPrimeP(), rsa.getPrimeQ()));
    }
    for (BigInteger secret : secrets) {
      byte[] magnitude = secret.toByteArray();
      forms.add(magnitude[0] == 0 ? Arrays.copyOfRange(magnitude, 1, magnitude.length) : magnitude);
      forms.add(secret.toString(16).getBytes(StandardCharsets.US_ASCII));
    }
    return forms;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    // Latin-1 maps each byte to one char, so the string search is the byte search.
    return new String(haystack, StandardCharsets.ISO_8859_1).indexOf(new String(needle, StandardCharsets.ISO_8859_1));
  }
}
