package dev.cps.deploy;

import dev.cps.spi.EnrollmentId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One enrollment's directory: numbered version directories ({@code v000001}, ...) and the
 * {@code current} symbolic link to one of them. A version is written under a hidden name and
 * renamed into place when complete; the link is replaced by renaming a new link over it, which is
 * atomic on POSIX file systems: a reader that opens {@code current/...} sees the old set or the new
 * one, never a mixture.
 */
final class EnrollmentDirectory {
  static final String CURRENT = "current";
  private static final Pattern VERSION = Pattern.compile("v(\\d{6,})");
  private static final String PARTIAL = ".partial-";

  private final Path path;

  EnrollmentDirectory(Path root, EnrollmentId enrollment) {
    this.path = root.resolve(fileName(enrollment));
  }

  /**
   * The enrollment id as one safe path segment: letters, digits, {@code -}, {@code _} and {@code .}
   * stay (but a leading dot, so {@code ..} cannot climb), everything else is %-encoded UTF-8.
   */
  static String fileName(EnrollmentId enrollment) {
    byte[] bytes = enrollment.value().getBytes(StandardCharsets.UTF_8);
    StringBuilder name = new StringBuilder(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean safe = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
          || b == '-' || b == '_' || (b == '.' && i > 0);
      if (safe) {
        name.append((char) b);
      } else {
        name.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) b));
      }
    }
    return name.toString();
  }

  Path path() {
    return path;
  }

  /** The version {@code current} points at, or {@code null} before the first deployment. */
  @Nullable String current() throws IOException {
    try {
      return Files.readSymbolicLink(path.resolve(CURRENT)).toString();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Creates the directory if needed and removes what an interrupted deployment left behind. */
  void prepare() throws IOException {
    Files.createDirectories(path);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(path, ".*" + PARTIAL + "*")) {
      for (Path leftover : entries) {
        delete(leftover);
      }
    }
  }

  /** The name the next version gets: one more than the highest there is. */
  String nextVersion() throws IOException {
    int highest = versions().stream().mapToInt(EnrollmentDirectory::number).max().orElse(0);
    return String.format("v%06d", highest + 1);
  }

  /** A new hidden directory to write a version into. */
  Path stage(String version) throws IOException {
    Path staged = path.resolve("." + version + PARTIAL + randomSuffix());
    Files.createDirectory(staged, VersionFiles.attributes(path.getFileSystem(), "rwxr-xr-x"));
    return staged;
  }

  /**
   * Renames a completely written staged directory to its version name: its entries are made durable
   * first (each file was forced as written), then the rename.
   */
  void publish(Path staged, String version) throws IOException {
    sync(staged);
    Files.move(staged, path.resolve(version), StandardCopyOption.ATOMIC_MOVE);
    sync(path);
  }

  /** Points {@code current} at the version, or removes it for {@code null}, in one rename. */
  void switchTo(@Nullable String version) throws IOException {
    Path current = path.resolve(CURRENT);
    if (version == null) {
      Files.deleteIfExists(current);
    } else {
      Path link = Files.createSymbolicLink(path.resolve(".current" + PARTIAL + randomSuffix()), Path.of(version));
      try {
        Files.move(link, current, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        Files.deleteIfExists(link);
        throw e;
      }
    }
    sync(path);
  }

  /** Deletes the oldest versions until {@code keep} are left; never the current one. */
  List<String> prune(int keep) throws IOException {
    String current = current();
    List<Path> versions = versions();
    versions.sort(Comparator.comparingInt(EnrollmentDirectory::number));
    List<String> removed = new ArrayList<>();
    for (int i = 0; i < versions.size() - keep; i++) {
      Path old = versions.get(i);
      if (!old.getFileName().toString().equals(current)) {
        delete(old);
        removed.add(old.getFileName().toString());
      }
    }
    return removed;
  }

  void deleteVersion(String version) throws IOException {
    delete(path.resolve(version));
  }

  List<Path> versions() throws IOException {
    List<Path> versions = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
      for (Path entry : entries) {
        if (VERSION.matcher(entry.getFileName().toString()).matches()
            && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          versions.add(entry);
        }
      }
    }
    return versions;
  }

  private static int number(Path version) {
    Matcher matcher = VERSION.matcher(version.getFileName().toString());
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a version directory: " + version);
    }
    return Integer.parseInt(matcher.group(1));
  }

  private static void delete(Path target) throws IOException {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> tree = Files.walk(target)) {
        for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    } else {
      Files.deleteIfExists(target);
    }
  }

  /** Makes a rename in the directory durable; best effort where the platform cannot sync directories. */
  private static void sync(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every platform can open a directory; the rename itself is still atomic.
    }
  }

  private static String randomSuffix() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }
}
