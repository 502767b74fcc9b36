package dev.cps.store.jdbc;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** A provisioner in this JVM on JDBC stores, the fake CA and recording networks, on a movable clock. */
final class LocalWorkflow implements AutoCloseable {
  static final Instant START = Instant.parse("2026-03-02T09:00:00Z");

  final MutableClock clock = MutableClock.at(START);
  final FakeCertificateAuthority ca = FakeCertificateAuthority.builder().id("fake").clock(clock).build()
      .validationTime(ValidationType.DV, Duration.ZERO);
  final RecordingNetwork production = new RecordingNetwork("production");
  final JdbcStores stores;
  final CertificateProvisioner provisioner;

  LocalWorkflow(String url, int workers) {
    this(JdbcStores.builder().url(url), workers);
  }

  /** On the host's own data source. */
  LocalWorkflow(DataSource dataSource, int workers) {
    this(JdbcStores.builder().dataSource(dataSource), workers);
  }

  private LocalWorkflow(JdbcStores.Builder builder, int workers) {
    this.stores = builder.keyEncryptionKey(TestKeks.first()).clock(clock).build();
    this.provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(stores.enrollments())
        .keyStore(stores.keys())
        .certificateAuthority(ca)
        .productionNetwork(production)
        .workers(workers)
        .jitterSeed(7)
        .build();
  }

  List<Enrollment> enroll(int count, String domain) {
    List<Enrollment> enrolled = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String host = String.format("host-%03d.%s", i, domain);
      enrolled.add(provisioner.enroll(EnrollmentRequest.builder().commonName(host).validationType(ValidationType.DV)
          .build(), "test"));
    }
    return enrolled;
  }

  /** Passes a minute apart, as a host's scheduler would run them. */
  void runFor(Duration span) {
    Instant end = clock.instant().plus(span);
    while (clock.instant().isBefore(end)) {
      provisioner.runDue();
      clock.advance(Duration.ofMinutes(1));
    }
  }

  @Override
  public void close() {
    provisioner.close();
    stores.close();
  }
}
