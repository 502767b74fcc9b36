package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MutableClockTest {
  private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");

  @Test
  void standsStillUntilMoved() {
    MutableClock clock = MutableClock.at(T0);
    assertThat(clock.instant()).isEqualTo(T0);
    assertThat(clock.millis()).isEqualTo(T0.toEpochMilli());
    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    assertThat(clock.advance(Duration.ofDays(365))).isEqualTo(T0.plus(Duration.ofDays(365)));
    assertThat(clock.instant()).isEqualTo(T0.plus(Duration.ofDays(365)));
    clock.set(T0.minusSeconds(5));
    assertThat(clock.instant()).isEqualTo(T0.minusSeconds(5));
  }

  @Test
  void refusesToAdvanceBackwards() {
    MutableClock clock = MutableClock.at(T0);
    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).hasMessageContaining("set(Instant)");
    assertThat(clock.instant()).isEqualTo(T0);
  }

  @Test
  void zonedViewMovesWithTheClock() {
    MutableClock clock = MutableClock.at(T0);
    Clock berlin = clock.withZone(ZoneId.of("Europe/Berlin"));
    clock.advance(Duration.ofHours(1));
    assertThat(berlin.instant()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(berlin.getZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(clock.withZone(ZoneOffset.UTC)).isSameAs(clock);
  }

  @Test
  void concurrentAdvancesAreNotLost() throws InterruptedException {
    MutableClock clock = MutableClock.at(T0);
    Thread[] threads = new Thread[8];
    for (int i = 0; i < threads.length; i++) {
      threads[i] = new Thread(() -> {
        for (int j = 0; j < 1000; j++) {
          clock.advance(Duration.ofSeconds(1));
        }
      });
      threads[i].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(8000));
  }
}
