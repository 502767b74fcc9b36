package dev.cps.ca.acme;

import java.util.Arrays;
import java.util.Objects;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** An External Account Binding: the CA's key id and the MAC key. Never shows the key. */
final class ExternalAccount {
  private final String keyId;
  private final byte[] hmacKey;

  ExternalAccount(String keyId, byte[] hmacKey) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(hmacKey, "hmacKey");
    if (keyId.isBlank()) {
      throw new IllegalArgumentException("externalAccountBinding keyId must not be blank");
    }
    // acme4j picks HS256, HS384 or HS512 by the key's length and refuses one shorter than 32 bytes
    // when it binds the account: said here, once, rather than at every retry of that binding.
    if (hmacKey.length < 32) {
      throw new IllegalArgumentException("externalAccountBinding hmacKey must be at least 32 bytes, was "
          + hmacKey.length);
    }
    this.keyId = keyId;
    this.hmacKey = hmacKey.clone();
  }

  String keyId() {
    return keyId;
  }

  SecretKey macKey() {
    return new SecretKeySpec(hmacKey, "HMAC");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ExternalAccount that && keyId.equals(that.keyId) && Arrays.equals(hmacKey, that.hmacKey);
  }

  @Override
  public int hashCode() {
    return keyId.hashCode();
  }

  @Override
  public String toString() {
    return "ExternalAccount[keyId=" + keyId + ", hmacKey=(redacted)]";
  }
}
