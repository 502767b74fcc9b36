package dev.cps.store.jdbc;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM from the JDK: a sealed value is a random 96-bit nonce followed by the ciphertext and
 * its 128-bit tag. The associated data binds a sealed value to the row it belongs to, so that a
 * value copied into another row does not open.
 */
final class Envelope {
  static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final String AES_GCM = "AES/GCM/NoPadding";
  private static final SecureRandom RANDOM = new SecureRandom();
  /**
   * The provider the JDK picks for AES-GCM, found once: finding it walks every installed provider
   * and took as long as sealing a key (about 2 us of 4.5).
   */
  private static final Provider PROVIDER = aesGcmProvider();

  private Envelope() {}

  private static Provider aesGcmProvider() {
    try {
      return Cipher.getInstance(AES_GCM).getProvider();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every Java platform, but is missing here", e);
    }
  }

  /** A fresh random AES-256 key. */
  static SecretKey newKey() {
    byte[] bytes = new byte[KEY_BYTES];
    RANDOM.nextBytes(bytes);
    try {
      return aesKey(bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  static SecretKey aesKey(byte[] bytes) {
    if (bytes.length != KEY_BYTES) {
      throw new IllegalArgumentException("an AES-256 key has " + KEY_BYTES + " bytes, not " + bytes.length);
    }
    return new SecretKeySpec(bytes, "AES");
  }

  static byte[] seal(SecretKey key, byte[] plaintext, String associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance(AES_GCM, PROVIDER);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = Arrays.copyOf(nonce, NONCE_BYTES + cipher.getOutputSize(plaintext.length));
      cipher.doFinal(plaintext, 0, plaintext.length, sealed, NONCE_BYTES);
      return sealed;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every Java platform, but failed here", e);
    }
  }

  /**
   * @throws AEADBadTagException if the key is not the one that sealed the value, or the value or
   *     its associated data were altered
   */
  static byte[] open(SecretKey key, byte[] sealed, String associatedData) throws AEADBadTagException {
    if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new AEADBadTagException("a sealed value has at least " + (NONCE_BYTES + TAG_BITS / 8) + " bytes");
    }
    try {
      Cipher cipher = Cipher.getInstance(AES_GCM, PROVIDER);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every Java platform, but failed here", e);
    }
  }
}
