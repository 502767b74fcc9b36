package dev.cps.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/** Durations of repeated runs in nanoseconds, and the figures reported from them. */
final class Samples {
  private long[] nanos;
  private int count;

  Samples(int expected) {
    nanos = new long[Math.max(1, expected)];
  }

  void add(long duration) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, count * 2);
    }
    nanos[count++] = duration;
  }

  int count() {
    return count;
  }

  /** The median; with an even count, the mean of the two middle values. */
  double median() {
    long[] sorted = sorted();
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
  }

  /** The nearest-rank percentile, {@code 0 < p <= 100}. */
  double percentile(double p) {
    long[] sorted = sorted();
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  double max() {
    return sorted()[count - 1];
  }

  private long[] sorted() {
    if (count == 0) {
      throw new IllegalStateException("no samples");
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    return sorted;
  }

  static String millis(double nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  static String micros(double nanos) {
    return String.format(Locale.ROOT, "%.2f us", nanos / 1e3);
  }

  /** Two decimals, as in {@code 1.13x}; none from 100 up, where they would only be noise. */
  static String ratio(double ratio) {
    return String.format(Locale.ROOT, ratio < 100 ? "%.2fx" : "%.0fx", ratio);
  }
}
