package dev.cps.spi;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/** A PKCS#10 certificate signing request in DER form. Holds only public material. */
public record CertificateSigningRequest(byte[] der) {
  public CertificateSigningRequest {
    der = Objects.requireNonNull(der, "der").clone();
    if (der.length == 0) {
      throw new IllegalArgumentException("a CSR must not be empty");
    }
  }

  @Override
  public byte[] der() {
    return der.clone();
  }

  /** The CSR as PEM text, as a person would paste it into a CA's form. */
  public String pem() {
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CertificateSigningRequest other && Arrays.equals(der, other.der);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(der);
  }

  @Override
  public String toString() {
    return "CertificateSigningRequest[" + der.length + " bytes]";
  }
}
