package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
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
    CountDownLatch release = holdAGroup();
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
    CountDownLatch release = holdAGroup();
    PrivateKeyStore.Generated first = keys.generateAsync(ID, KeyType.EC_P256);
    assertThat(keys.privateKey(ID)).as("signs at once").isNotNull();

    PrivateKeyStore.Generated again = keys.generateAsync(ID, KeyType.EC_P256);

    assertThat(again.stored()).as("reported stored while its insert is queued").isNotDone();
    release.countDown();
    assertThat(again.stored().get(10, TimeUnit.SECONDS).getEncoded()).isEqualTo(first.publicKey().getEncoded());
  }

  /** A write whose work waits for the returned latch: the writes after it queue for the next group. */
  private CountDownLatch holdAGroup() {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture.runAsync(() -> stores.database().writing("holding a group", connection -> {
      inside.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }), threads);
    await().atMost(PATIENCE).until(() -> inside.getCount() == 0);
    return release;
  }
}
