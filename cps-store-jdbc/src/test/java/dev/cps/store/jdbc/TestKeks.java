package dev.cps.store.jdbc;

import java.util.Arrays;

/** Key-encryption keys for tests: fixed bytes, so that a test can give the same KEK twice. */
final class TestKeks {
  private TestKeks() {}

  static KeyEncryptionKey first() {
    return KeyEncryptionKey.raw("kek-1", filled(0x11));
  }

  static KeyEncryptionKey second() {
    return KeyEncryptionKey.raw("kek-2", filled(0x22));
  }

  static KeyEncryptionKey third() {
    return KeyEncryptionKey.raw("kek-3", filled(0x44));
  }

  /** The id of {@link #first()} with other bytes. */
  static KeyEncryptionKey impostor() {
    return KeyEncryptionKey.raw("kek-1", filled(0x33));
  }

  /** Raw KEK bytes, each {@code value}. */
  static byte[] filled(int value) {
    byte[] key = new byte[KeyEncryptionKey.RAW_LENGTH];
    Arrays.fill(key, (byte) value);
    return key;
  }
}
