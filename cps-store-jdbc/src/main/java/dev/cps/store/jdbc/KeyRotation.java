package dev.cps.store.jdbc;

import dev.cps.spi.KeyId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Re-encrypts every private key to one key-encryption key, in one transaction: each key is opened
 * with the KEK of the ring it was sealed under and sealed again under a new data key wrapped by the
 * new KEK. A key that does not open (a KEK the ring lacks, or altered) rolls the whole rotation
 * back, so the table is never half rotated. Keys already under the new KEK are left as they are: a
 * rotation that is run twice does the work once. A key another rotation moved between this one's
 * read and its write (two nodes rotating one PostgreSQL database at once) rolls this one back too.
 */
final class KeyRotation {
  private static final int PAGE = 500;

  private KeyRotation() {}

  /** Returns how many keys were re-encrypted. */
  static int rotate(Database database, Keyring from, KeyEncryptionKeys.Resolved to) {
    return database.transaction("rotating private keys from key-encryption keys " + from.ids() + " to " + to.id(),
        connection -> {
          int rotated = 0;
          String after = "";
          while (true) {
            List<JdbcPrivateKeyStore.StoredKey> page = page(connection, to.id(), after);
            for (JdbcPrivateKeyStore.StoredKey stored : page) {
              if (reseal(connection, stored, from, to)) {
                rotated++;
              }
            }
            if (page.size() < PAGE) {
              return rotated;
            }
            after = page.get(page.size() - 1).id().value();
          }
        });
  }

  private static List<JdbcPrivateKeyStore.StoredKey> page(Connection connection, String target, String after)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT id, key_type, public_key, kek_id,"
        + " wrapped_data_key, encrypted_private_key FROM cps_private_key WHERE kek_id <> ? AND id > ?"
        + " ORDER BY id LIMIT " + PAGE)) {
      statement.setString(1, target);
      statement.setString(2, after);
      List<JdbcPrivateKeyStore.StoredKey> keys = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          KeyId id = KeyId.of(rows.getString(1));
          keys.add(new JdbcPrivateKeyStore.StoredKey(id, JdbcPrivateKeyStore.keyType(id, rows.getString(2)),
              rows.getBytes(3), rows.getString(4), rows.getBytes(5), rows.getBytes(6)));
        }
      }
      return keys;
    }
  }

  private static boolean stillStored(Connection connection, KeyId id) throws SQLException {
    try (PreparedStatement find = connection.prepareStatement("SELECT 1 FROM cps_private_key WHERE id = ?")) {
      find.setString(1, id.value());
      try (ResultSet row = find.executeQuery()) {
        return row.next();
      }
    }
  }

  /** Returns whether the key was moved: false if it was deleted since it was read. */
  private static boolean reseal(Connection connection, JdbcPrivateKeyStore.StoredKey stored, Keyring from,
      KeyEncryptionKeys.Resolved to) throws SQLException {
    byte[] pkcs8 = JdbcPrivateKeyStore.open(stored, from.opening(stored.kekId()));
    JdbcPrivateKeyStore.SealedKey sealed;
    try {
      sealed = JdbcPrivateKeyStore.seal(stored.id(), stored.type(), pkcs8, to);
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
    try (PreparedStatement update = connection.prepareStatement("UPDATE cps_private_key SET kek_id = ?,"
        + " wrapped_data_key = ?, encrypted_private_key = ? WHERE id = ? AND kek_id = ?")) {
      update.setString(1, to.id());
      update.setBytes(2, sealed.wrappedDataKey());
      update.setBytes(3, sealed.encryptedPrivateKey());
      update.setString(4, stored.id().value());
      update.setString(5, stored.kekId());
      if (update.executeUpdate() == 1) {
        return true;
      }
    }
    if (!stillStored(connection, stored.id())) {
      return false; // deleted since it was read: nothing to move
    }
    // Read as under the KEK it was sealed with, under another since: another node's rotation
    // (PostgreSQL checks the WHERE again once that one commits). Counting the key as moved would
    // switch this store to a KEK the key is not under.
    throw new IllegalStateException("private key " + stored.id() + " is no longer under key-encryption key '"
        + stored.kekId() + "': another rotation moved it meanwhile; nothing was rotated here. Rotate on one node"
        + " at a time");
  }
}
