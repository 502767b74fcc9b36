package dev.cps.store.jdbc;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;
import org.bouncycastle.crypto.generators.SCrypt;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link KeyEncryptionKey} into the AES key it stands for, checked against the database's
 * record of that KEK id ({@code cps_key_encryption_key}): how it is derived (raw, or scrypt with
 * its salt and cost) and a check value, an AES-GCM tag over nothing under the KEK. The first store
 * to see an id records it; every later one must derive a key that verifies the check value, or is
 * refused with {@link WrongKeyEncryptionKeyException} before it reads or writes a single key.
 */
final class KeyEncryptionKeys {
  static final String RAW = "raw";
  /** scrypt's cost: 32 MiB and about a tenth of a second, once per store opened. */
  static final String SCRYPT = "scrypt N=32768 r=8 p=1";
  private static final int SCRYPT_N = 32768;
  private static final int SCRYPT_R = 8;
  private static final int SCRYPT_P = 1;
  private static final int SALT_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A KEK resolved to its AES key. */
  record Resolved(String id, SecretKey key) {
    @Override
    public String toString() {
      return "KeyEncryptionKey[id=" + id + "]";
    }
  }

  private record Recorded(String kdf, byte[] salt, byte[] check) {}

  private KeyEncryptionKeys() {}

  static Resolved resolve(Database database, KeyEncryptionKey given, Clock clock) {
    String kdf = given.isPassphrase() ? SCRYPT : RAW;
    Recorded recorded = find(database, given.id());
    if (recorded == null) {
      byte[] salt = new byte[given.isPassphrase() ? SALT_BYTES : 0];
      RANDOM.nextBytes(salt);
      SecretKey key = derive(given, salt);
      byte[] check = Envelope.seal(key, new byte[0], checkData(given.id()));
      int inserted = database.write("recording key-encryption key " + given.id(),
          "INSERT INTO cps_key_encryption_key (id, kdf, salt, check_value, created_at) VALUES (?, ?, ?, ?, ?)"
              + " ON CONFLICT (id) DO NOTHING",
          statement -> {
            statement.setString(1, given.id());
            statement.setString(2, kdf);
            statement.setBytes(3, salt);
            statement.setBytes(4, check);
            statement.setLong(5, Micros.down(clock.instant()));
          });
      if (inserted == 1) {
        return new Resolved(given.id(), key);
      }
      recorded = find(database, given.id()); // another node recorded it first: check against theirs
      if (recorded == null) {
        throw new IllegalStateException("key-encryption key " + given.id() + " was recorded and is gone again");
      }
    }
    if (!recorded.kdf().equals(kdf)) {
      throw new WrongKeyEncryptionKeyException(given.id(), "key-encryption key '" + given.id() + "' is recorded as "
          + (recorded.kdf().equals(RAW) ? "raw bytes" : "a passphrase (" + recorded.kdf() + ")") + ", but "
          + (given.isPassphrase() ? "a passphrase" : "raw bytes") + " were given");
    }
    SecretKey key = derive(given, recorded.salt());
    try {
      Envelope.open(key, recorded.check(), checkData(given.id()));
    } catch (AEADBadTagException e) {
      throw new WrongKeyEncryptionKeyException(given.id(), "key-encryption key '" + given.id()
          + "' is not the one recorded under that id: other " + (given.isPassphrase() ? "passphrase" : "bytes")
          + " were given; nothing was read or written");
    }
    return new Resolved(given.id(), key);
  }

  private static @Nullable Recorded find(Database database, String id) {
    return database.read("reading key-encryption key " + id, connection -> {
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT kdf, salt, check_value FROM cps_key_encryption_key WHERE id = ?")) {
        statement.setString(1, id);
        try (ResultSet row = statement.executeQuery()) {
          if (!row.next()) {
            return null;
          }
          byte[] salt = row.getBytes(2);
          return new Recorded(row.getString(1), salt == null ? new byte[0] : salt, row.getBytes(3));
        }
      }
    });
  }

  private static SecretKey derive(KeyEncryptionKey given, byte[] salt) {
    if (!given.isPassphrase()) {
      byte[] raw = given.rawBytes();
      try {
        return Envelope.aesKey(raw);
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
    }
    char[] chars = given.passphraseChars();
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
    byte[] passphrase = new byte[encoded.remaining()];
    encoded.get(passphrase);
    byte[] key = SCrypt.generate(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, Envelope.KEY_BYTES);
    try {
      return Envelope.aesKey(key);
    } finally {
      Arrays.fill(chars, '\0');
      Arrays.fill(passphrase, (byte) 0);
      Arrays.fill(key, (byte) 0);
      if (encoded.hasArray()) {
        Arrays.fill(encoded.array(), (byte) 0);
      }
    }
  }

  private static String checkData(String id) {
    return "cps key-encryption key check|" + id;
  }
}
