package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.VersionConflictException;
import dev.cps.testkit.contract.EnrollmentStoreContract;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryEnrollmentStoreTest extends EnrollmentStoreContract {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final EnrollmentRequest REQUEST =
      EnrollmentRequest.builder().commonName("www.example.com").build();

  @Override
  protected EnrollmentStore newStore() {
    return new InMemoryEnrollmentStore();
  }

  private static Enrollment enrollment(String id, long version, Instant nextActionAt) {
    return new Enrollment(EnrollmentId.of(id), version, REQUEST, T0, List.of(), null, null, List.of(), null, null,
        null, nextActionAt);
  }

  @Test
  void updateMustRaiseTheVersion() {
    InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
    store.insert(enrollment("e", 3, T0));
    assertThatThrownBy(() -> store.update(enrollment("e", 3, T0.plusSeconds(1)), 3))
        .isInstanceOf(VersionConflictException.class)
        .hasMessageContaining("must be greater");
    assertThat(store.due(T0, 10)).containsExactly(EnrollmentId.of("e"));
  }

  @Test
  void negativeLimitIsRefused() {
    assertThatThrownBy(() -> new InMemoryEnrollmentStore().due(T0, -1)).hasMessageContaining("-1");
  }

  /**
   * Among 100,000 idle enrollments, due() finds exactly the one that is due, in order with what
   * becomes due later. Speed is shown by the benchmarks module (IdleRunDueBenchmark), not here.
   */
  @Test
  void dueFindsTheOneDueEnrollmentAmongManyIdleOnes() {
    InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
    for (int i = 0; i < 100_000; i++) {
      store.insert(enrollment(String.format("idle-%06d", i), 1, T0.plus(Duration.ofDays(30)).plusSeconds(i)));
    }
    store.insert(enrollment("due", 1, T0));

    assertThat(store.size()).isEqualTo(100_001);
    assertThat(store.due(T0.plusSeconds(1), 100)).extracting(EnrollmentId::value).containsExactly("due");
    assertThat(store.due(T0.plus(Duration.ofDays(30)).plusSeconds(2), 100)).extracting(EnrollmentId::value)
        .containsExactly("due", "idle-000000", "idle-000001", "idle-000002");
    assertThat(store.nextDue()).contains(T0);
  }

  @Test
  void toStringCounts() {
    InMemoryEnrollmentStore store = new InMemoryEnrollmentStore();
    store.insert(enrollment("a", 1, T0));
    store.insert(enrollment("b", 1, null));
    assertThat(store).hasToString("InMemoryEnrollmentStore[2 enrollments, 1 scheduled]");
  }
}
