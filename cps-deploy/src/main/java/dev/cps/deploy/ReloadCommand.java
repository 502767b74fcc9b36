package dev.cps.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The command that makes a server read its certificate files again, such as
 * {@code nginx -s reload}, run without a shell and stopped (with everything it started) when it
 * takes longer than the timeout. Its output goes to a temporary file, so a chatty command never
 * blocks on a full pipe.
 */
record ReloadCommand(List<String> command, Duration timeout) {
  /** How much of the command's output a failure message quotes, from the end. */
  private static final int OUTPUT_QUOTED = 2000;

  ReloadCommand {
    command = List.copyOf(command);
    Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Runs the command with this process's environment, less the library's own {@code CPS_*}
   * variables (among them {@code CPS_STORE_KEK}, the key-encryption key: a command that logs its
   * environment must not log that), plus {@code environment}.
   *
   * @return {@code null} if it exited with 0, otherwise what went wrong, with the end of its output
   */
  @Nullable String run(Map<String, String> environment) {
    Path output = null;
    Process process = null;
    try {
      output = Files.createTempFile("cps-reload-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("CPS_"));
      builder.environment().putAll(environment);
      process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        stop(process);
        return "'" + String.join(" ", command) + "' did not finish within " + timeout + tail(output);
      }
      int exit = process.exitValue();
      return exit == 0 ? null : "'" + String.join(" ", command) + "' exited with " + exit + tail(output);
    } catch (IOException e) {
      return "'" + String.join(" ", command) + "' could not be run: " + e.getMessage();
    } catch (InterruptedException e) {
      // Not left running behind the caller, where it would race the reload that comes next.
      stop(process);
      Thread.currentThread().interrupt();
      return "interrupted while waiting for '" + String.join(" ", command) + "'";
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException e) {
          // A leftover log in the temporary directory is harmless.
        }
      }
    }
  }

  /** Stops the command and everything it started. */
  private static void stop(@Nullable Process process) {
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static String tail(Path output) throws IOException {
    String text = new String(Files.readAllBytes(output), StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "";
    }
    return ": " + (text.length() <= OUTPUT_QUOTED ? text : "..." + text.substring(text.length() - OUTPUT_QUOTED));
  }
}
