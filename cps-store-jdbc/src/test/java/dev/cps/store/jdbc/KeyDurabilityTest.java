package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key handed to SQLite without waiting is kept, and answers, at once, while its insert waits for
 * the next group commit; until that commit, nothing may report it as stored. Each test holds a
 * group open (its work waits on a latch), so that the insert stays queued behind it.
 */
class KeyDurabilityTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final KeyId ID = KeyId.of("queued");

  @TempDir
  Path directory;

  private JdbcStores stores;
  private PrivateKeyStore keys;
  private ExecutorService threads;

  @BeforeEach
  void open() {
    stores = JdbcStores.builder().url("jdbc:sqlite:" + directory.resolve("keys.db"))
        .keyEncryptionKey(TestKeks.first()).build();
    keys = stores.keys();
    threads = Executors.newCachedThreadPool();
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    stores.close();
  }

  @Test
  void aKeyAskedForAgainWhileItsInsertIsQueuedIsReportedStoredOnlyOnceItIs() throws Exception {
    CountDownLatch release = Databases.holdAGroup(stores, threads);
    PrivateKeyStore.Generated first = keys.generateAsync(ID, KeyType.EC_P256);
    await().atMost(PATIENCE).until(() -> stores.database().queued() == 1);

    PrivateKeyStore.Generated again = keys.generateAsync(ID, KeyType.EC_P256);
    Future<PublicKey> generated = threads.submit(() -> keys.generate(ID, KeyType.EC_P256));

    assertThat(again.publicKey().getEncoded()).as("the same key").isEqualTo(first.publicKey().getEncoded());
    assertThat(again.stored()).as("reported stored while its insert is queued").isNotDone();
    assertThat(first.stored()).isNotDone();
    assertThat(stores.database().queued()).as("the insert still queued").isEqualTo(1);
    assertThat(generated.isDone()).as("generate returned while the insert is queued").isFalse();

    release.countDown();
    PublicKey stored = again.stored().get(10, TimeUnit.SECONDS);
    assertThat(stored.getEncoded()).isEqualTo(first.publicKey().getEncoded());
    assertThat(first.stored().get(10, TimeUnit.SECONDS).getEncoded()).isEqualTo(stored.getEncoded());
    assertThat(generated.get(10, TimeUnit.SECONDS).getEncoded()).isEqualTo(stored.getEncoded());
    try (JdbcStores reopened = JdbcStores.builder().url("jdbc:sqlite:" + directory.resolve("keys.db"))
        .keyEncryptionKey(TestKeks.first()).build()) {
      assertThat(reopened.keys().publicKey(ID)).get().extracting(PublicKey::getEncoded)
          .isEqualTo(stored.getEncoded());
    }
  }

  @Test
  void aKeyOpenedWhileItsInsertIsQueuedIsStillWaitedFor() throws Exception {
    CountDownLatch release = Databases.holdAGroup(stores, threads);
    PrivateKeyStore.Generated first = keys.generateAsync(ID, KeyType.EC_P256);
    assertThat(keys.privateKey(ID)).as("signs at once").isNotNull();

    PrivateKeyStore.Generated again = keys.generateAsync(ID, KeyType.EC_P256);

    assertThat(again.stored()).as("reported stored while its insert is queued").isNotDone();
    release.countDown();
    assertThat(again.stored().get(10, TimeUnit.SECONDS).getEncoded()).isEqualTo(first.publicKey().getEncoded());
  }

  /**
   * With no backstop to commit queued writes, a key's future must commit them when waited for, as
   * the insert's own future does: the engine waits for it before it sends a CSR. And a caller's
   * copy, cancelled, spoils nobody else's.
   */
  @Test
  void waitingForAKeyCommitsItsInsertAndACancelledCopyLeavesTheOthersWhole() throws Exception {
    try (HikariDataSource pool = Pools.open("jdbc:sqlite:" + directory.resolve("patient.db"), 2, "FULL")) {
      Database patient = new Database(pool, Dialect.SQLITE, TimeUnit.MINUTES.toNanos(10)); // no backstop here
      try {
        Migrations.migrate(patient, Clock.systemUTC());
        Keyring ring = new Keyring(KeyEncryptionKeys.resolve(patient, TestKeks.first(), Clock.systemUTC()), List.of());
        PrivateKeyStore store = new JdbcPrivateKeyStore(patient, ring, JdbcStores.defaultProvider(), Clock.systemUTC());

        PrivateKeyStore.Generated first = store.generateAsync(ID, KeyType.EC_P256);
        PrivateKeyStore.Generated again = store.generateAsync(ID, KeyType.EC_P256);
        assertThat(patient.queued()).as("the insert queued").isEqualTo(1);
        first.stored().cancel(false);

        PublicKey stored = again.stored().get(10, TimeUnit.SECONDS);
        assertThat(stored.getEncoded()).isEqualTo(first.publicKey().getEncoded());
        assertThat(store.generateAsync(ID, KeyType.EC_P256).stored().get(10, TimeUnit.SECONDS).getEncoded())
            .isEqualTo(stored.getEncoded());
        KeyId other = KeyId.of("other");
        store.generateAsync(other, KeyType.EC_P256);
        assertThat(threads.submit(() -> store.generate(other, KeyType.EC_P256)).get(10, TimeUnit.SECONDS)).isNotNull();
      } finally {
        patient.close();
      }
    }
  }
}
