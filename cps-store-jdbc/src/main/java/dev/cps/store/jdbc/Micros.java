package dev.cps.store.jdbc;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * Instants as epoch microseconds in {@code BIGINT} columns: the same in SQLite and PostgreSQL,
 * and compared as plain numbers by the indexes. A stored instant is rounded up and a query's
 * {@code now} down, so that a row is never reported due before its instant.
 */
final class Micros {
  private Micros() {}

  static long up(Instant at) {
    long micros = down(at);
    return at.getNano() % 1_000 == 0 || micros == Long.MAX_VALUE ? micros : micros + 1;
  }

  static long down(Instant at) {
    try {
      return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
    } catch (ArithmeticException beyondTheColumn) {
      return at.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  static @Nullable Long upOrNull(@Nullable Instant at) {
    return at == null ? null : up(at);
  }

  static Instant instant(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }
}
