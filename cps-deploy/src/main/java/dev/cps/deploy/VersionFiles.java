package dev.cps.deploy;

import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.jspecify.annotations.Nullable;

/**
 * Writes the files of one version into a directory nobody reads yet: the leaf, the intermediates,
 * both together, the key (PKCS#8 PEM, owner-only from its creation), optionally a PKCS#12 file, and
 * the nginx snippet. Each file is forced to disk, so the directory is complete before any link
 * points at it.
 */
final class VersionFiles {
  static final String CERTIFICATE = "cert.pem";
  static final String CHAIN = "chain.pem";
  static final String FULLCHAIN = "fullchain.pem";
  static final String PRIVATE_KEY = "privkey.pem";
  static final String PKCS12 = "certificate.p12";
  /** The alias of the single entry in the PKCS#12 file. */
  static final String PKCS12_ALIAS = "certificate";

  private static final String PUBLIC = "rw-r--r--";
  private static final String SECRET = "rw-------";

  private final char @Nullable [] pkcs12Password;

  VersionFiles(char @Nullable [] pkcs12Password) {
    this.pkcs12Password = pkcs12Password;
  }

  /**
   * @param directory an empty directory to fill
   * @param servedFrom where the directory will be once published, for the paths in the snippet
   */
  void write(Path directory, Deployment deployment, PrivateKey key, Path servedFrom) throws IOException {
    List<X509Certificate> certificates = deployment.chain().certificates();
    write(directory.resolve(CERTIFICATE), pem(certificates.subList(0, 1)), PUBLIC);
    write(directory.resolve(CHAIN), pem(certificates.subList(1, certificates.size())), PUBLIC);
    write(directory.resolve(FULLCHAIN), pem(certificates), PUBLIC);
    write(directory.resolve(PRIVATE_KEY), pem(key), SECRET);
    if (pkcs12Password != null) {
      write(directory.resolve(PKCS12), pkcs12(certificates, key, pkcs12Password, deployment), SECRET);
    }
    write(directory.resolve(NginxSnippet.FILE_NAME),
        NginxSnippet.render(deployment, servedFrom).getBytes(StandardCharsets.US_ASCII), PUBLIC);
  }

  /**
   * Whether the published version already holds this deployment: the same chain, key and settings
   * (the PKCS#12 file, salted anew each time, follows from the chain and key).
   */
  boolean holds(Path version, Deployment deployment, PrivateKey key) throws IOException {
    byte[] stored = null;
    byte[] wanted = null;
    try {
      if (!Arrays.equals(Files.readAllBytes(version.resolve(FULLCHAIN)), pem(deployment.chain().certificates()))
          || !Arrays.equals(Files.readAllBytes(version.resolve(NginxSnippet.FILE_NAME)),
              NginxSnippet.render(deployment, version).getBytes(StandardCharsets.US_ASCII))) {
        return false;
      }
      stored = Files.readAllBytes(version.resolve(PRIVATE_KEY));
      wanted = pem(key);
      return MessageDigest.isEqual(stored, wanted);
    } catch (NoSuchFileException e) {
      return false;
    } finally {
      if (stored != null) {
        Arrays.fill(stored, (byte) 0);
      }
      if (wanted != null) {
        Arrays.fill(wanted, (byte) 0);
      }
    }
  }

  private static byte[] pem(List<X509Certificate> certificates) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (X509Certificate certificate : certificates) {
        writer.writeObject(certificate);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("a parsed certificate could not be written as PEM", e);
    }
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** PKCS#8 ("BEGIN PRIVATE KEY"), which nginx, HAProxy and Envoy read for every key type. */
  private static byte[] pem(PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(new JcaPKCS8Generator(key, null));
    }
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] pkcs12(List<X509Certificate> chain, PrivateKey key, char[] password, Deployment deployment) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(PKCS12_ALIAS, key, password, chain.toArray(X509Certificate[]::new));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, password);
      return out.toByteArray();
    } catch (GeneralSecurityException | IOException e) {
      throw new DeploymentException("the PKCS#12 file of enrollment " + deployment.enrollment()
          + " could not be built (" + e.getClass().getSimpleName() + ")", null);
    }
  }

  /** Creates the file with its final permissions, so a key is never readable by others, not even briefly. */
  private static void write(Path file, byte[] content, String permissions) throws IOException {
    Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try (FileChannel channel = FileChannel.open(file, options, attributes(file.getFileSystem(), permissions))) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  static FileAttribute<?>[] attributes(FileSystem fileSystem, String permissions) {
    if (!fileSystem.supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))};
  }
}
