package dev.cps.ca.acme;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The roots the CA trusts for the ACME server's TLS: the JDK's, or the host's own. Always verified. */
final class TrustAnchors {
  private TrustAnchors() {}

  /** Reads every certificate of a PEM bundle. */
  static List<X509Certificate> readPem(Path bundle) {
    try (InputStream in = Files.newInputStream(bundle)) {
      Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(in);
      List<X509Certificate> roots = new ArrayList<>();
      for (Certificate certificate : read) {
        roots.add((X509Certificate) certificate);
      }
      if (roots.isEmpty()) {
        throw new IllegalArgumentException("trustAnchors: no certificate in the PEM bundle " + bundle);
      }
      return roots;
    } catch (IOException e) {
      throw new IllegalArgumentException("trustAnchors: cannot read the PEM bundle " + bundle + ": " + e.getMessage(),
          e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("trustAnchors: " + bundle + " is not a PEM certificate bundle: "
          + e.getMessage(), e);
    }
  }

  /** An SSL context that trusts exactly these roots, or the JDK's when there are none. */
  static SSLContext sslContext(List<X509Certificate> roots) {
    try {
      if (roots.isEmpty()) {
        return SSLContext.getDefault();
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        store.setCertificateEntry("root-" + i, roots.get(i));
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context for the ACME server's roots", e);
    }
  }
}
