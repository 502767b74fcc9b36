package dev.cps.deploy;

import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;

/**
 * Checks that a deployment's key belongs to its certificate, and hands the key over in the JDK's own
 * representation: a server handed a key from another provider (BouncyCastle, an HSM wrapper that
 * exports) may refuse it mid-handshake. Error messages name the enrollment and the algorithm only.
 */
final class KeyMaterial {
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyMaterial() {}

  /**
   * The deployment's key as the JDK's providers build it.
   *
   * @throws DeploymentException if the key does not certify the leaf, or cannot be read
   */
  static PrivateKey checkedJdkKey(Deployment deployment) {
    PrivateKey key = jdkKey(deployment);
    PublicKey certified = deployment.chain().leaf().getPublicKey();
    byte[] challenge = new byte[32];
    RANDOM.nextBytes(challenge);
    try {
      String algorithm = signatureAlgorithm(key.getAlgorithm(), deployment);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certified);
      verifier.update(challenge);
      if (verifier.verify(signature)) {
        return key;
      }
    } catch (GeneralSecurityException e) {
      throw new DeploymentException("the private key of enrollment " + deployment.enrollment()
          + " could not be checked against its certificate (" + e.getClass().getSimpleName() + ")", null);
    }
    throw new DeploymentException("the private key of enrollment " + deployment.enrollment()
        + " does not belong to certificate serial " + deployment.chain().serialNumber()
        + ": a server could not use the pair");
  }

  private static PrivateKey jdkKey(Deployment deployment) {
    PrivateKey key = deployment.privateKey();
    String algorithm = "ECDSA".equals(key.getAlgorithm()) ? "EC" : key.getAlgorithm();
    byte[] pkcs8 = key.getEncoded();
    if (pkcs8 == null || !"PKCS#8".equals(key.getFormat())) {
      throw new DeploymentException("the private key of enrollment " + deployment.enrollment()
          + " cannot be exported (format " + key.getFormat() + "): a file or in-process network needs its PKCS#8 encoding");
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new DeploymentException("the " + algorithm + " private key of enrollment " + deployment.enrollment()
          + " cannot be read by the JDK (" + e.getClass().getSimpleName() + ")", null);
    }
  }

  private static String signatureAlgorithm(String keyAlgorithm, Deployment deployment) {
    return switch (keyAlgorithm) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "Ed448", "EdDSA" -> keyAlgorithm;
      default -> throw new DeploymentException("enrollment " + deployment.enrollment() + " has a "
          + keyAlgorithm + " key, which no TLS server here can serve");
    };
  }
}
