package dev.cps.spi;

import java.util.List;
import java.util.Objects;

/**
 * The algorithm and size of a certificate's key pair: RSA 2048, 3072 or 4096, or EC P-256 or
 * P-384.
 */
public record KeyType(Algorithm algorithm, int size) {
  public static final KeyType RSA_2048 = new KeyType(Algorithm.RSA, 2048);
  public static final KeyType RSA_3072 = new KeyType(Algorithm.RSA, 3072);
  public static final KeyType RSA_4096 = new KeyType(Algorithm.RSA, 4096);
  public static final KeyType EC_P256 = new KeyType(Algorithm.EC, 256);
  public static final KeyType EC_P384 = new KeyType(Algorithm.EC, 384);

  /** Key algorithms a CSR can be built for. */
  public enum Algorithm {
    RSA,
    EC
  }

  public KeyType {
    Objects.requireNonNull(algorithm, "algorithm");
    List<Integer> allowed = algorithm == Algorithm.RSA ? List.of(2048, 3072, 4096) : List.of(256, 384);
    if (!allowed.contains(size)) {
      throw new InvalidRequestException(
          new Violation("keyType", algorithm + "-" + size, algorithm + " key size must be one of " + allowed));
    }
  }

  public static KeyType rsa(int bits) {
    return new KeyType(Algorithm.RSA, bits);
  }

  public static KeyType ec(int bits) {
    return new KeyType(Algorithm.EC, bits);
  }

  /** The JCA name of the curve for EC keys, such as {@code secp256r1}. */
  public String curveName() {
    if (algorithm != Algorithm.EC) {
      throw new IllegalStateException(this + " is not an EC key type");
    }
    return size == 256 ? "secp256r1" : "secp384r1";
  }

  /** The JCA signature algorithm a CSR for this key is signed with. */
  public String signatureAlgorithm() {
    return switch (algorithm) {
      case RSA -> "SHA256withRSA";
      case EC -> size == 256 ? "SHA256withECDSA" : "SHA384withECDSA";
    };
  }

  @Override
  public String toString() {
    return algorithm == Algorithm.RSA ? "RSA-" + size : "EC-P" + size;
  }
}
