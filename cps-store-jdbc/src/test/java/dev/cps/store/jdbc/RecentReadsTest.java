package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enrollments and keys a provisioner works on at once are read from memory, not from the
 * database: the engine leases up to two batches of 256 enrollments at a time, and the ones it has
 * just completed are written meanwhile, so each store keeps the last 1,024 it wrote or read.
 * Counted as connections taken from the host's pool; the writes keep one of their own.
 */
class RecentReadsTest {
  /** Two claimed batches of 256, with as many again just completed beside them. */
  private static final int IN_FLIGHT = 1_000;
  private static final Instant T0 = Instant.parse("2026-03-02T09:30:00Z");

  @TempDir
  Path directory;

  private HikariDataSource pool;
  private final AtomicInteger reads = new AtomicInteger();
  private JdbcStores stores;

  @BeforeEach
  void open() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:sqlite:" + directory.resolve("recent.db"));
    config.setMaximumPoolSize(4);
    config.addDataSourceProperty("busy_timeout", "30000");
    config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    pool = new HikariDataSource(config);
    stores = JdbcStores.builder().dataSource(counting(pool)).keyEncryptionKey(TestKeks.first()).build();
  }

  @AfterEach
  void close() {
    stores.close();
    pool.close();
  }

  @Test
  void theKeysOfTheEnrollmentsInFlightAreServedWithoutAQuery() {
    PrivateKeyStore keys = stores.keys();
    List<KeyId> ids = IntStream.range(0, IN_FLIGHT).mapToObj(i -> new KeyId("key-" + i)).toList();
    for (KeyId id : ids) {
      keys.generate(id, KeyType.EC_P256);
    }

    reads.set(0);
    for (KeyId id : ids) {
      assertThat(keys.publicKey(id)).isPresent();
      assertThat(keys.privateKey(id)).isNotNull();
    }
    assertThat(reads).as("connections taken to read the keys generated last").hasValue(0);
  }

  @Test
  void theEnrollmentsOfTwoClaimedBatchesAreReadFromMemoryUnderTheirLeases() {
    EnrollmentStore store = stores.enrollments();
    List<EnrollmentId> ids = IntStream.range(0, IN_FLIGHT).mapToObj(i -> EnrollmentId.of(String.format("e-%04d", i)))
        .toList();
    for (EnrollmentId id : ids) {
      store.insert(enrollment(id, 1));
    }
    assertThat(store.claim(T0, IN_FLIGHT, "node-a", Duration.ofMinutes(5))).hasSize(IN_FLIGHT);
    // Each stepped once, in claim order, as a wave would: the first ones written are now the oldest.
    for (EnrollmentId id : ids) {
      store.update(enrollment(id, 2), 1);
    }

    reads.set(0);
    for (EnrollmentId id : ids) {
      assertThat(store.find(id).orElseThrow().version()).isEqualTo(2);
    }
    assertThat(reads).as("connections taken to read the leased enrollments").hasValue(0);
  }

  private static Enrollment enrollment(EnrollmentId id, long version) {
    return new Enrollment(id, version, EnrollmentRequest.builder().commonName("www.example.com").build(), T0,
        List.of(), null, null, List.of(), null, null, null, T0);
  }

  /** The pool, counting the connections taken from it. */
  private DataSource counting(DataSource target) {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, arguments) -> {
          if (method.getName().equals("getConnection")) {
            reads.incrementAndGet();
          }
          try {
            return method.invoke(target, arguments);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
