package dev.cps.benchmarks;

import java.io.PrintStream;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Runs the benchmarks named as arguments: {@code workflow}, {@code idle}, {@code acme} (needs Pebble;
 * not part of {@code all}), {@code store} (the JDBC stores; fills a million rows, not part of
 * {@code all}) or {@code all} (the default: workflow and idle), and optionally {@code workers=N}
 * (default: the number of processors; for {@code store}, {@value StoreBenchmark#DEFAULT_WORKERS}).
 * Each prints its figures against a baseline measured in the same run, and fails with an exception
 * if the work it timed went wrong.
 *
 * <pre>./mvnw -q -pl cps-benchmarks exec:java -Dexec.args="workflow workers=2"</pre>
 */
public final class Benchmarks {
  private static final Set<String> NAMES = Set.of("workflow", "idle", "acme", "store", "all");

  private Benchmarks() {}

  public static void main(String[] args) {
    Set<String> chosen = new LinkedHashSet<>();
    int workers = Runtime.getRuntime().availableProcessors();
    boolean workersGiven = false;
    for (String arg : args) {
      String name = arg.toLowerCase(Locale.ROOT);
      if (name.startsWith("workers=")) {
        workers = parseWorkers(arg.substring("workers=".length()));
        workersGiven = true;
      } else if (NAMES.contains(name)) {
        chosen.add(name);
      } else {
        throw new IllegalArgumentException("unknown argument '" + arg + "': give workflow, idle, acme, store or all,"
            + " and optionally workers=N");
      }
    }
    if (chosen.isEmpty() || chosen.contains("all")) {
      chosen = Set.of("workflow", "idle");
    }
    if (chosen.contains("acme") && System.getProperty("org.slf4j.simpleLogger.log.org.shredzone.acme4j") == null) {
      // acme4j logs every rejected nonce it retries at INFO: thousands of lines that would be timed too.
      System.setProperty("org.slf4j.simpleLogger.log.org.shredzone.acme4j", "warn");
    }
    PrintStream out = System.out;
    Runtime runtime = Runtime.getRuntime();
    out.printf("Java %s (%s), %d processors, max heap %,d MB%n", System.getProperty("java.version"),
        System.getProperty("java.vm.name"), runtime.availableProcessors(), runtime.maxMemory() >> 20);
    if (chosen.contains("workflow")) {
      new WorkflowBenchmark(workers, out).run();
    }
    if (chosen.contains("idle")) {
      new IdleRunDueBenchmark(workers, out).run();
    }
    if (chosen.contains("store")) {
      new StoreBenchmark(workersGiven ? workers : StoreBenchmark.DEFAULT_WORKERS, out).run();
    }
    if (chosen.contains("acme")) {
      new AcmeBenchmark(workers, out).run();
    }
  }

  private static int parseWorkers(String value) {
    try {
      int workers = Integer.parseInt(value);
      if (workers >= 1) {
        return workers;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("workers must be a positive whole number, was '" + value + "'");
  }
}
