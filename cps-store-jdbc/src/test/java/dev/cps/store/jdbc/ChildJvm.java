package dev.cps.store.jdbc;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ProvisionerProcess} in a JVM of its own, on the test's class path, tuned to start fast.
 * Its output goes to a log file; {@link #go} lets it start once it is warm.
 */
final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final CountDownLatch warm = new CountDownLatch(1);
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
    Thread reader = new Thread(this::readOutput, "child-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** A process that lives a second or two: quick compilation only. */
  static ChildJvm start(Path log, String... arguments) {
    return start(true, log, arguments);
  }

  /** A process that works for a while: the optimizing compiler too. */
  static ChildJvm startLongLived(Path log, String... arguments) {
    return start(false, log, arguments);
  }

  private static ChildJvm start(boolean shortLived, Path log, String... arguments) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-Xss512k", "-Xmx256m", "-Xshare:auto",
        // Test processes started from the test's own class path: no verification of its classes.
        "-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote",
        "-Dlogback.configurationFile=child-logback.xml",
        "-cp", System.getProperty("java.class.path")));
    if (shortLived) {
      command.add(1, "-XX:TieredStopAtLevel=1");
    }
    command.add(ProvisionerProcess.class.getName());
    command.addAll(List.of(arguments));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      return new ChildJvm(process, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void readOutput() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8));
        BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.equals(ProvisionerProcess.WARM)) {
          warm.countDown();
        }
        if (line.equals(ProvisionerProcess.READY)) {
          ready.countDown();
        }
        out.write("[" + process.pid() + "] " + line);
        out.newLine();
        out.flush();
      }
    } catch (IOException e) {
      // the process was killed
    }
  }

  /** Lets the process open the stores and start, once it is warm; returns when it runs. */
  void go() throws InterruptedException {
    await(warm, "warm up");
    try {
      process.getOutputStream().write('\n');
      process.getOutputStream().flush();
    } catch (IOException e) {
      throw new AssertionError("provisioner process " + process.pid() + " did not take its go; see " + log, e);
    }
    await(ready, "start");
  }

  /** Waits for a line; fails with the log's path if the process died or never got there. */
  private void await(CountDownLatch line, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!line.await(100, TimeUnit.MILLISECONDS)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("provisioner process " + process.pid() + " did not " + what + " (exit "
            + (process.isAlive() ? "none" : process.exitValue()) + "); see " + log);
      }
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no finally block, no flush runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
