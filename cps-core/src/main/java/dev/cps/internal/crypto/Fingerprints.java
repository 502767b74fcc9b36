package dev.cps.internal.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 fingerprints of public material. Taken from the JDK's own providers rather than the
 * configured one: every JDK must offer SHA-256, while a provider like SunEC offers no digests.
 */
final class Fingerprints {
  private Fingerprints() {}

  static String sha256(byte[] encoded) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(encoded));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-256", e);
    }
  }
}
