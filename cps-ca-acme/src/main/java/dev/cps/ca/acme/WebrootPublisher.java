package dev.cps.ca.acme;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/** Tokens as files under a web server's document root. */
final class WebrootPublisher implements Http01Publisher {
  private final Path directory;

  WebrootPublisher(Path webroot) {
    this.directory = Objects.requireNonNull(webroot, "webroot").resolve(".well-known").resolve("acme-challenge");
  }

  @Override
  public void publish(String token, String content) {
    Path file = fileFor(token);
    try {
      Files.createDirectories(directory);
      // Written aside and moved, so the web server never serves half a file.
      Path partial = Files.createTempFile(directory, ".partial-", ".tmp");
      Files.writeString(partial, content, StandardCharsets.US_ASCII);
      // A temporary file is the owner's alone; the web server, often another user, must read it.
      // The token is public by design: the CA fetches it over plain HTTP.
      if (Files.getFileStore(partial).supportsFileAttributeView(PosixFileAttributeView.class)) {
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the HTTP-01 token file " + file, e);
    }
  }

  @Override
  public void withdraw(String token) {
    try {
      Files.deleteIfExists(fileFor(token));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the HTTP-01 token file for " + token, e);
    }
  }

  private Path fileFor(String token) {
    Tokens.requireToken(token);
    return directory.resolve(token);
  }

  @Override
  public String toString() {
    return "Http01Publisher.webroot[" + directory + "]";
  }
}
