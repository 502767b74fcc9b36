package dev.cps.deploy;

import dev.cps.spi.CertificateChain;
import dev.cps.spi.ChangeId;
import dev.cps.spi.Deployment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.NetworkSettings;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.TestCsr;
import java.security.KeyPair;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Deployments with real chains from a fake CA that issues at once, and real keys: for tests that
 * drive a network directly, without the engine.
 */
final class TestCertificates {
  private static final Provider BC = new BouncyCastleProvider();

  private final FakeCertificateAuthority ca;
  private final InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore(BC);

  TestCertificates(Clock clock) {
    ca = FakeCertificateAuthority.builder().clock(clock).provider(BC).build();
    ca.validationTime(ValidationType.DV, Duration.ZERO);
  }

  X509Certificate root() {
    return ca.rootCertificate();
  }

  Deployment deployment(EnrollmentId enrollment, String... names) {
    return deployment(enrollment, NetworkSettings.DEFAULT, names);
  }

  Deployment deployment(EnrollmentId enrollment, NetworkSettings settings, String... names) {
    EnrollmentRequest request = EnrollmentRequest.builder()
        .commonName(names[0]).subjectAlternativeNames(List.of(names)).build();
    KeyId key = KeyId.random();
    KeyPair pair = new KeyPair(keys.generate(key, KeyType.EC_P256), keys.privateKey(key));
    OrderRef order = ca.submit(TestCsr.signedBy(request, pair, BC).orderRequest(UUID.randomUUID().toString()));
    if (!(ca.status(order) instanceof OrderStatus.Issued)) {
      throw new IllegalStateException("the test CA did not issue at once: " + ca.status(order));
    }
    CertificateChain chain = ca.retrieve(order);
    return new Deployment(enrollment, ChangeId.random(), chain, pair.getPrivate(), settings);
  }

  /** The same deployment with other settings. */
  static Deployment withSettings(Deployment deployment, NetworkSettings settings) {
    return new Deployment(deployment.enrollment(), ChangeId.random(), deployment.chain(), deployment.privateKey(),
        settings);
  }
}
