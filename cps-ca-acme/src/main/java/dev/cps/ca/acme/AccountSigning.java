package dev.cps.ca.acme;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.spec.PKCS8EncodedKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which JCA provider signs the account's requests. acme4j (through jose4j) asks the JCA for
 * SHA256withECDSA without naming a provider; for an ordinary EC key the JDK's SunEC answers, at
 * about 0.7 ms a signature here, while BouncyCastle takes about 0.15 ms. When the host registered
 * BouncyCastle (as acme4j's documentation asks), the account key is handed to acme4j as a
 * BouncyCastle "ECDSA" key, which SunEC declines and BouncyCastle signs. Nothing is registered here.
 */
final class AccountSigning {
  private static final Logger log = LoggerFactory.getLogger(AccountSigning.class);

  private AccountSigning() {}

  static PrivateKey preferred(PrivateKey accountKey) {
    Provider bouncyCastle = Security.getProvider("BC");
    byte[] encoded = accountKey.getEncoded();
    if (bouncyCastle == null || encoded == null || !"EC".equals(accountKey.getAlgorithm())) {
      return accountKey;
    }
    try {
      return KeyFactory.getInstance("ECDSA", bouncyCastle).generatePrivate(new PKCS8EncodedKeySpec(encoded));
    } catch (GeneralSecurityException | RuntimeException e) {
      log.debug("The account key stays with the JDK's provider: {}", e.toString());
      return accountKey;
    }
  }
}
