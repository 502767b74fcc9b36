package dev.cps.deploy;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.EnrollmentId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network that serves certificates as files, for servers that read them (nginx, HAProxy, Envoy,
 * Apache). Per enrollment, each deployment writes a new version directory under
 * {@code <root>/<enrollment>/}: {@code cert.pem}, {@code chain.pem}, {@code fullchain.pem},
 * {@code privkey.pem} (mode 0600), optionally {@code certificate.p12}, and {@code nginx-ssl.conf};
 * then it switches the {@code current} link to it atomically, runs the reload command, and keeps the
 * newest {@link Builder#keepVersions versions}.
 *
 * <p>If the reload command fails or times out, the link goes back to the previous version, the
 * command runs once more so the server reads the old files again, the failed version is deleted,
 * and {@link #deploy} throws {@link DeploymentException}: the old certificate stays live and the
 * engine retries with backoff.
 *
 * <p>Servers read the files through the link: {@code ssl_certificate <root>/<enrollment>/current/fullchain.pem},
 * or for nginx simply {@code include <root>/<enrollment>/current/nginx-ssl.conf;} in the
 * {@code server} block, which also carries the enrollment's TLS versions and ciphers.
 * The reload command sees {@code CPS_ENROLLMENT}, {@code CPS_CHANGE} and {@code CPS_VERSION_DIR}
 * in its environment.
 *
 * <p>Thread-safe; deployments through one instance run one at a time. The directory is the whole
 * state: a new instance on the same root continues where another stopped.
 */
public final class FileSystemNetwork implements DeploymentNetwork {
  private static final Logger log = LoggerFactory.getLogger(FileSystemNetwork.class);

  private final Path root;
  private final int keepVersions;
  private final @Nullable ReloadCommand reload;
  private final VersionFiles files;
  private final ReentrantLock lock = new ReentrantLock();

  private FileSystemNetwork(Builder builder) {
    this.root = builder.root;
    this.keepVersions = builder.keepVersions == null ? Builder.DEFAULT_KEEP : builder.keepVersions;
    Duration timeout = builder.reloadTimeout == null ? Builder.DEFAULT_RELOAD_TIMEOUT : builder.reloadTimeout;
    this.reload = builder.reloadCommand == null ? null : new ReloadCommand(builder.reloadCommand, timeout);
    this.files = new VersionFiles(builder.pkcs12Password);
  }

  /** A network writing under {@code root}, which is created when missing. */
  public static Builder builder(Path root) {
    return new Builder(root);
  }

  /** Where this network writes. */
  public Path root() {
    return root;
  }

  /** The enrollment's {@code current} link, which servers read certificates through. */
  public Path currentDirectory(EnrollmentId enrollment) {
    return new EnrollmentDirectory(root, enrollment).path().resolve(EnrollmentDirectory.CURRENT);
  }

  /**
   * Writes a new version, switches to it and reloads; rolls back if the reload fails.
   *
   * @throws DeploymentException if the files could not be written or the reload failed; the
   *     version served before stays current, unless switching back to it failed too, which the
   *     message says
   */
  @Override
  public void deploy(Deployment deployment) {
    Objects.requireNonNull(deployment, "deployment");
    PrivateKey key = KeyMaterial.checkedJdkKey(deployment);
    EnrollmentDirectory directory = new EnrollmentDirectory(root, deployment.enrollment());
    lock.lock();
    try {
      directory.prepare();
      String previous = directory.current();
      if (previous != null && files.holds(directory.path().resolve(previous), deployment, key)) {
        reloadOnly(deployment, directory, previous); // a new version would only push older ones out
        return;
      }
      String version = directory.nextVersion();
      Path staged = directory.stage(version);
      try {
        files.write(staged, deployment, key, directory.path().resolve(version));
        directory.publish(staged, version);
      } catch (IOException | RuntimeException e) {
        directory.prepare();
        throw e;
      }
      directory.switchTo(version);
      if (reload != null) {
        String failure = reload.run(environment(deployment, directory, version));
        if (failure != null) {
          throw rollBack(deployment, directory, version, previous, failure);
        }
      }
      log.info("enrollment {} change {}: serving certificate serial {} from {}", deployment.enrollment(),
          deployment.change(), deployment.chain().serialNumber(), directory.path().resolve(version));
      prune(directory);
    } catch (IOException e) {
      throw new DeploymentException("could not write the certificate files of enrollment "
          + deployment.enrollment() + " under " + directory.path() + ": " + e, e);
    } finally {
      lock.unlock();
    }
  }

  /** What {@code current} points at, read from its {@code fullchain.pem}. */
  @Override
  public Optional<CertificateChain> live(EnrollmentId enrollment) {
    Path fullchain = currentDirectory(enrollment).resolve(VersionFiles.FULLCHAIN);
    try (InputStream in = Files.newInputStream(fullchain)) {
      List<X509Certificate> chain = new ArrayList<>();
      for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        chain.add((X509Certificate) certificate);
      }
      return chain.isEmpty() ? Optional.empty() : Optional.of(new CertificateChain(chain));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | CertificateException e) {
      throw new DeploymentException("could not read what enrollment " + enrollment + " serves from "
          + fullchain + ": " + e, e);
    }
  }

  /** The deployment is what {@code current} serves already: the server is only asked to read it again. */
  private void reloadOnly(Deployment deployment, EnrollmentDirectory directory, String current) {
    if (reload != null) {
      String failure = reload.run(environment(deployment, directory, current));
      if (failure != null) {
        throw new DeploymentException("reload for certificate serial " + deployment.chain().serialNumber()
            + " of enrollment " + deployment.enrollment() + ", already in " + current + ", failed: " + failure);
      }
    }
    log.info("enrollment {} change {}: certificate serial {} already in {}; reloaded", deployment.enrollment(),
        deployment.change(), deployment.chain().serialNumber(), directory.path().resolve(current));
  }

  /**
   * Points {@code current} back at the version served before and reloads again; the failure it
   * reports is the reload's, with what came of the rollback, also when a step of the rollback fails.
   */
  private DeploymentException rollBack(
      Deployment deployment, EnrollmentDirectory directory, String failed, @Nullable String previous, String failure) {
    String reloadFailed = "reload after deploying certificate serial " + deployment.chain().serialNumber()
        + " of enrollment " + deployment.enrollment() + " failed: " + failure;
    String before = previous == null ? "no certificate" : previous;
    try {
      directory.switchTo(previous);
    } catch (IOException e) {
      String message = reloadFailed + "; switching back to " + before + " failed too, so " + failed
          + " may still be current under " + directory.path() + ": " + e;
      log.warn(message);
      return new DeploymentException(message, e);
    }
    String again = Objects.requireNonNull(reload).run(environment(deployment, directory, previous));
    try {
      directory.deleteVersion(failed);
    } catch (IOException e) {
      // Nothing points at it; the versions beyond those kept are pruned after the next deployment.
      log.warn("could not remove the failed version {} from {}: {}", failed, directory.path(), e.toString());
    }
    String message = reloadFailed + "; switched back to " + before
        + (again == null ? " and reloaded" : ", but reloading that failed too: " + again);
    log.warn(message);
    return new DeploymentException(message);
  }

  private void prune(EnrollmentDirectory directory) {
    try {
      List<String> removed = directory.prune(keepVersions);
      if (!removed.isEmpty()) {
        log.debug("removed old versions {} from {}", removed, directory.path());
      }
    } catch (IOException e) {
      // The new certificate is live; old versions are tried again after the next deployment.
      log.warn("could not remove old versions from {}: {}", directory.path(), e.toString());
    }
  }

  private static Map<String, String> environment(
      Deployment deployment, EnrollmentDirectory directory, @Nullable String version) {
    return Map.of(
        "CPS_ENROLLMENT", deployment.enrollment().value(),
        "CPS_CHANGE", deployment.change().value(),
        "CPS_VERSION_DIR", version == null ? "" : directory.path().resolve(version).toString());
  }

  @Override
  public String toString() {
    return "FileSystemNetwork[" + root + ", keep " + keepVersions + ", reload "
        + (reload == null ? "none" : String.join(" ", reload.command())) + "]";
  }

  /** Configures a {@link FileSystemNetwork}; each property may be set once. */
  public static final class Builder {
    static final int DEFAULT_KEEP = 3;
    static final Duration DEFAULT_RELOAD_TIMEOUT = Duration.ofSeconds(30);
    /** Characters nginx would read as the end of a directive, a quote or a variable. */
    private static final Pattern NGINX_SPECIAL = Pattern.compile("[\"'\\\\;{}$#\\s]");

    private final Path root;
    private @Nullable Integer keepVersions;
    private @Nullable List<String> reloadCommand;
    private @Nullable Duration reloadTimeout;
    private char @Nullable [] pkcs12Password;

    private Builder(Path root) {
      Objects.requireNonNull(root, "root");
      this.root = root.toAbsolutePath().normalize();
      if (NGINX_SPECIAL.matcher(this.root.toString()).find()) {
        throw new IllegalArgumentException("root '" + this.root + "' contains whitespace or one of \" ' \\ ; { } $ #,"
            + " which the nginx snippet cannot quote; choose a plainer directory");
      }
    }

    /** How many versions to keep per enrollment, the current one included. Default 3; at least 1. */
    public Builder keepVersions(int versions) {
      requireUnset("keepVersions", keepVersions);
      if (versions < 1) {
        throw new IllegalArgumentException("keepVersions must be at least 1, was " + versions);
      }
      this.keepVersions = versions;
      return this;
    }

    /**
     * The command run after each switch, without a shell, such as
     * {@code "nginx", "-s", "reload"}; use {@code "sh", "-c", "..."} for a pipeline. A non-zero exit
     * rolls the deployment back. Default: none.
     */
    public Builder reloadCommand(List<String> command) {
      requireUnset("reloadCommand", reloadCommand);
      Objects.requireNonNull(command, "command");
      if (command.isEmpty() || command.stream().anyMatch(part -> part == null || part.isEmpty())) {
        throw new IllegalArgumentException("reloadCommand needs a program and no empty arguments, was " + command);
      }
      this.reloadCommand = List.copyOf(command);
      return this;
    }

    public Builder reloadCommand(String program, String... arguments) {
      List<String> command = new ArrayList<>();
      command.add(program);
      command.addAll(Arrays.asList(arguments));
      return reloadCommand(command);
    }

    /** How long the reload command may run before it counts as failed and is stopped. Default 30 s. */
    public Builder reloadTimeout(Duration timeout) {
      requireUnset("reloadTimeout", reloadTimeout);
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("reloadTimeout must be positive, was " + timeout);
      }
      this.reloadTimeout = timeout;
      return this;
    }

    /**
     * Also writes {@code certificate.p12} (mode 0600) with the key and chain under the alias
     * {@code certificate}, protected by this password (copied; for Java and Windows servers).
     */
    public Builder pkcs12Password(char[] password) {
      requireUnset("pkcs12Password", pkcs12Password);
      Objects.requireNonNull(password, "password");
      if (password.length == 0) {
        throw new IllegalArgumentException("pkcs12Password must not be empty");
      }
      this.pkcs12Password = password.clone();
      return this;
    }

    public FileSystemNetwork build() {
      return new FileSystemNetwork(this);
    }

    private static void requireUnset(String property, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(property + " was already set"
            + (current instanceof char[] ? "" : " to " + current));
      }
    }
  }
}
