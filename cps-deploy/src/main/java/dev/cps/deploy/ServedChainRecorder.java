package dev.cps.deploy;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The trust manager of one probe handshake: it keeps the chain the server sent, then validates it
 * with PKIX against the probe's trust anchors at the probe clock's instant (no revocation checks),
 * and fails the handshake if it does not validate. It never trusts what it cannot validate; the
 * recorded chain only lets the probe say what was served.
 */
final class ServedChainRecorder extends X509ExtendedTrustManager {
  private final Set<TrustAnchor> anchors;
  private final Clock clock;
  private @Nullable List<X509Certificate> served;
  private @Nullable String problem;

  ServedChainRecorder(Set<TrustAnchor> anchors, Clock clock) {
    this.anchors = anchors;
    this.clock = clock;
  }

  /** The chain the server sent, leaf first, or {@code null} if the handshake got none. */
  @Nullable List<X509Certificate> served() {
    return served;
  }

  /** Why the served chain did not validate, or {@code null}. */
  @Nullable String problem() {
    return problem;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    served = List.of(chain);
    try {
      CertPathValidator.getInstance("PKIX").validate(
          CertificateFactory.getInstance("X.509").generateCertPath(pathToAnAnchor(chain)), parameters());
    } catch (GeneralSecurityException e) {
      problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new CertificateException("the served chain does not validate to the probe's trust anchors: " + problem, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a probe is a client; it trusts no clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return anchors.stream().map(TrustAnchor::getTrustedCert).toArray(X509Certificate[]::new);
  }

  private PKIXParameters parameters() throws GeneralSecurityException {
    PKIXParameters parameters = new PKIXParameters(anchors);
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(clock.instant()));
    return parameters;
  }

  /**
   * The served certificates from the leaf up to the first one an anchor issued: a PKIX path ends
   * below the anchor, and a server may send more above it (the root itself, a cross-signed root
   * above the self-signed one the probe trusts, or the root above an intermediate anchor).
   */
  private List<X509Certificate> pathToAnAnchor(X509Certificate[] chain) {
    List<X509Certificate> path = new ArrayList<>();
    for (X509Certificate certificate : chain) {
      if (!path.isEmpty() && isAnchor(certificate)) {
        break;
      }
      path.add(certificate);
      if (issuedByAnAnchor(certificate)) {
        break;
      }
    }
    return path;
  }

  private boolean isAnchor(X509Certificate certificate) {
    return anchors.stream().anyMatch(anchor -> certificate.equals(anchor.getTrustedCert()));
  }

  private boolean issuedByAnAnchor(X509Certificate certificate) {
    for (TrustAnchor anchor : anchors) {
      X509Certificate trusted = anchor.getTrustedCert();
      if (trusted != null && trusted.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
        try {
          certificate.verify(trusted.getPublicKey());
          return true;
        } catch (GeneralSecurityException e) {
          // another key under the same name: not this anchor's
        }
      }
    }
    return false;
  }
}
