package dev.cps.benchmarks;

import java.lang.management.ManagementFactory;

/**
 * The wall-clock time of a timed section and the CPU time the whole JVM spent in it (every
 * thread, GC and JIT included). On a machine shared with other processes the wall-clock time
 * varies with their load; the CPU time much less, while it misses time lost waiting on locks.
 */
record Timing(long wallNanos, long cpuNanos) {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** Starts a stopwatch. */
  static Stopwatch start() {
    return new Stopwatch(System.nanoTime(), OS.getProcessCpuTime());
  }

  record Stopwatch(long wallStart, long cpuStart) {
    Timing stop() {
      return new Timing(System.nanoTime() - wallStart, OS.getProcessCpuTime() - cpuStart);
    }
  }
}
