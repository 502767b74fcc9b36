package dev.cps.benchmarks;

import dev.cps.CertificateProvisioner;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyType;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A provisioner on the testkit: a fake CA whose DV validation takes no time, in-memory stores,
 * recording staging and production networks, and a clock that stands still, so one
 * {@code runDue()} takes a new enrollment all the way to production.
 */
final class Fixture implements AutoCloseable {
  static final Instant START = Instant.parse("2026-01-05T09:00:00Z");

  final MutableClock clock = MutableClock.at(START);
  final FakeCertificateAuthority ca;
  final InMemoryEnrollmentStore store;
  final RecordingNetwork staging = new RecordingNetwork("staging");
  final RecordingNetwork production = new RecordingNetwork("production");
  final CertificateProvisioner provisioner;

  /** One provider instance for keys, CSRs, the CA and verification, registered nowhere. */
  Fixture(Provider provider, int workers, InMemoryEnrollmentStore store) {
    this.store = store;
    this.ca = FakeCertificateAuthority.builder().id("fake").clock(clock).provider(provider).build()
        .validationTime(ValidationType.DV, Duration.ZERO);
    this.provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(store)
        .keyStore(new InMemoryPrivateKeyStore(provider))
        .certificateAuthority(ca)
        .stagingNetwork(staging)
        .productionNetwork(production)
        .cryptoProvider(provider)
        .workers(workers)
        .jitterSeed(1)
        .build();
  }

  /** DV requests for EC P-256 certificates, each with a CN and one more name. */
  static List<EnrollmentRequest> requests(int count) {
    List<EnrollmentRequest> requests = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String host = String.format("host-%06d.bench.example", i);
      requests.add(EnrollmentRequest.builder()
          .commonName(host)
          .addSubjectAlternativeName("www." + host)
          .validationType(ValidationType.DV)
          .keyType(KeyType.EC_P256)
          .build());
    }
    return requests;
  }

  void enrollAll(List<EnrollmentRequest> requests) {
    for (EnrollmentRequest request : requests) {
      provisioner.enroll(request, "benchmark");
    }
  }

  /**
   * @throws IllegalStateException unless exactly {@code expected} enrollments are stored, each
   *     live in production with no change left open, and the CA issued exactly that many
   */
  void requireAllInProduction(int expected) {
    List<Enrollment> all = store.list();
    Map<String, Integer> notDone = new TreeMap<>();
    String example = "";
    for (Enrollment enrollment : all) {
      if (enrollment.production() == null || enrollment.openChange().isPresent()) {
        String state = enrollment.latestChange().map(c -> c.state().name()).orElse("no change");
        notDone.merge(state, 1, Integer::sum);
        if (example.isEmpty()) {
          example = enrollment.id() + ": " + enrollment.latestChange().map(c -> c.state() + ", last error "
              + c.lastError()).orElse("no change");
        }
      }
    }
    int issued = ca.issuedCount();
    int deployed = production.deployments().size();
    if (all.size() != expected || !notDone.isEmpty() || issued != expected || deployed != expected) {
      throw new IllegalStateException(String.format(
          "the workflow did not complete: %d enrollments stored (expected %d), not in production by state %s,"
              + " CA issued %d, production deployments %d; e.g. %s",
          all.size(), expected, notDone, issued, deployed, example));
    }
  }

  @Override
  public void close() {
    provisioner.close();
  }

  /** Deletes a file or a directory tree; a temporary file that will not go is left behind. */
  static void deleteQuietly(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary file left behind
    }
  }
}
