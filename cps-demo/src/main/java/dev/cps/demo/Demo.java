package dev.cps.demo;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeRef;
import dev.cps.UpdateMode;
import dev.cps.spi.Contact;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.InputKind;
import dev.cps.spi.Organization;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.TimelineEntry;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import dev.cps.store.jdbc.JdbcStores;
import dev.cps.store.jdbc.KeyEncryptionKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A year of certificate life on embedded defaults: a fake CA in process, the enrollments and their
 * encrypted keys in an SQLite file ({@code cps-demo.db} in the working directory), two recording
 * networks and a simulated clock. Four enrollments show first issuance, an accepted warning, the
 * staging test, a dated production deployment, the seven-day rule and automatic renewals; the
 * story prints as it happens. Run again, it resumes the enrollments the file holds and lives
 * another year with them.
 *
 * <p>Arguments: {@code --db <file>} for another file, {@code --fresh} to delete it first.
 */
public final class Demo {
  private static final Instant START = Instant.parse("2026-01-05T09:00:00Z");
  /** A demo's key-encryption key. A host takes its KEK from a vault or a KMS, never from its code. */
  private static final KeyEncryptionKey DEMO_KEK =
      KeyEncryptionKey.passphrase("demo", "not a secret: the demo's passphrase".toCharArray());

  private final PrintStream out;
  private final Path database;
  private final MutableClock clock;
  private final FakeCertificateAuthority ca;
  private final RecordingNetwork staging = new RecordingNetwork("staging");
  private final RecordingNetwork production = new RecordingNetwork("production");
  private final Map<EnrollmentId, String> names = new ConcurrentHashMap<>();
  private final List<ProvisioningEvent.InputNeeded> asked = new ArrayList<>();
  private final JdbcStores stores;
  private final CertificateProvisioner provisioner;
  private final List<Enrollment> resumed;

  Demo(PrintStream out, Path database) {
    this.out = out;
    this.database = database;
    this.clock = MutableClock.at(START);
    this.stores = JdbcStores.builder().url("jdbc:sqlite:" + database).keyEncryptionKey(DEMO_KEK).clock(clock).build();
    this.resumed = stores.enrollments().list();
    if (!resumed.isEmpty()) {
      clock.set(lastRecorded(resumed));
    }
    this.ca = FakeCertificateAuthority.builder().id("demo-ca").clock(clock).build();
    this.provisioner = CertificateProvisioner.builder()
        .clock(clock)
        .enrollmentStore(stores.enrollments())
        .keyStore(stores.keys())
        .certificateAuthority(ca)
        .stagingNetwork(staging)
        .productionNetwork(production)
        .listener(this::tell)
        .workers(1) // one thread, so that the story prints in the same order every run
        .build();
  }

  public static void main(String[] args) throws IOException {
    Path database = Path.of("cps-demo.db");
    boolean fresh = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--fresh")) {
        fresh = true;
      } else if (args[i].equals("--db") && i + 1 < args.length) {
        database = Path.of(args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument '" + args[i] + "': give --db <file> and/or --fresh");
      }
    }
    if (fresh) {
      for (String suffix : List.of("", "-wal", "-shm")) {
        Files.deleteIfExists(Path.of(database + suffix));
      }
    }
    Demo demo = new Demo(System.out, database);
    try {
      if (demo.resumed.isEmpty()) {
        demo.run();
      } else {
        demo.resume();
      }
    } finally {
      demo.close();
    }
  }

  /** The latest instant any stored enrollment recorded: where the previous run's clock stood. */
  private static Instant lastRecorded(List<Enrollment> enrollments) {
    Instant last = START;
    for (Enrollment enrollment : enrollments) {
      for (var change : enrollment.changes()) {
        for (TimelineEntry entry : change.timeline()) {
          last = entry.at().isAfter(last) ? entry.at() : last;
        }
      }
    }
    return last.plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.HOURS);
  }

  /** A second run on the same file: the first run's enrollments, another year on. */
  void resume() {
    out.println("CPS for Java: resuming " + resumed.size() + " enrollments stored in " + database.toAbsolutePath()
        + " by an earlier run (--fresh starts over)");
    for (Enrollment enrollment : resumed) {
      names.put(enrollment.id(), enrollment.request().commonName());
      out.printf("  %-20s %s, next action %s%n", enrollment.request().commonName(),
          enrollment.latestChange().map(c -> c.reason() + " " + c.state().name()).orElse("no change"),
          enrollment.nextActionAt() == null ? "-" : day(enrollment.nextActionAt()));
    }
    chapter(day(clock.instant()) + ": the clock goes on where the last run left off; another year of renewals"
        + " on a new fake CA");
    simulate(Duration.ofDays(365));
    chapter("Another year later");
    for (Enrollment enrollment : provisioner.enrollments()) {
      summarize(enrollment);
    }
    out.println();
    out.println("This run's fake CA issued " + ca.issuedCount() + " certificates; production saw "
        + production.deployments().size() + " deployments. Run again to go on, or with --fresh to start over.");
  }

  private void close() {
    provisioner.close();
    stores.close();
  }

  void run() {
    out.println("CPS for Java: a year of certificates on a fake CA and a simulated clock, from " + START);
    out.println("Enrollments and encrypted keys are stored in " + database.toAbsolutePath());
    out.println();
    ca.lifetime(ValidationType.DV, Duration.ofDays(90)).lifetime(ValidationType.OV, Duration.ofDays(200));
    ca.alterNext(FakeCertificateAuthority.Alteration.DROP_OU);
    Enrollment corp = enroll(organizational("corp.example.com", "www.corp.example.com").alwaysTestOnStaging(true));

    chapter("Day 0-2: OV validation takes two days; the certificate comes back without its OU");
    simulate(Duration.ofDays(2));
    answer(corp.id(), InputKind.WARNINGS, "dana@example.com");

    chapter("Day 2: three more enrollments; corp.example.com goes to staging");
    enroll(dv("shop.example.com", "www.shop.example.com"));
    enroll(dv("launch.example.com").deploymentNotBefore(START.plus(Duration.ofDays(12))));
    Enrollment legacy = enroll(dv("legacy.example.com"));
    simulate(Duration.ofDays(1));

    chapter("Day 3: Dana tests corp.example.com on staging and acknowledges");
    answer(corp.id(), InputKind.STAGING_TEST, "dana@example.com");

    chapter("Day 3-20: launch.example.com waits on staging for its date (day 12)");
    simulate(Duration.ofDays(17));

    chapter("Day 20: legacy.example.com switches on Always Test on Staging; nobody will acknowledge");
    Enrollment current = provisioner.enrollment(legacy.id()).orElseThrow();
    provisioner.update(legacy.id(), current.request().toBuilder().alwaysTestOnStaging(true).build(),
        UpdateMode.REFUSE_IF_PENDING, "ops@example.com");

    chapter("Day 20-385: renewals run by themselves; legacy's renewal goes live by the seven-day rule");
    simulate(Duration.ofDays(365));

    chapter("A year later");
    for (Enrollment enrollment : provisioner.enrollments()) {
      summarize(enrollment);
    }
    chapter("Timeline of legacy.example.com's first renewal");
    provisioner.enrollment(legacy.id()).orElseThrow().changes().stream()
        .filter(c -> c.reason() == dev.cps.spi.ChangeReason.RENEWAL).findFirst()
        .ifPresent(change -> change.timeline().forEach(entry -> out.println("  " + line(entry))));
    out.println();
    out.println("The fake CA issued " + ca.issuedCount() + " certificates for " + ca.orders().size()
        + " orders; production saw " + production.deployments().size() + " deployments.");
    out.println("Run the same command again: the next run resumes these enrollments from the file.");
  }

  private Enrollment enroll(EnrollmentRequest.Builder request) {
    Enrollment enrollment = provisioner.enroll(request.build(), "alice@example.com");
    names.put(enrollment.id(), enrollment.request().commonName());
    out.printf("%s  %-20s enrolled (%s%s%s)%n", day(clock.instant()), enrollment.request().commonName(),
        enrollment.request().validationType(),
        enrollment.request().alwaysTestOnStaging() ? ", always test on staging" : "",
        enrollment.request().deploymentNotBefore() != null
            ? ", not before " + day(enrollment.request().deploymentNotBefore()) : "");
    return enrollment;
  }

  /** Moves the clock an hour at a time, running what is due: a host's scheduler, compressed. */
  private void simulate(Duration span) {
    Instant end = clock.instant().plus(span);
    provisioner.runDue();
    while (clock.instant().isBefore(end)) {
      clock.advance(Duration.ofHours(1));
      provisioner.runDue();
    }
  }

  private void answer(EnrollmentId id, InputKind kind, String who) {
    ProvisioningEvent.InputNeeded question = asked.stream()
        .filter(q -> q.enrollment().equals(id) && q.kind() == kind).reduce((a, b) -> b)
        .orElseThrow(() -> new IllegalStateException(names.get(id) + " never asked for " + kind));
    out.printf("%s  %-20s %s answers %s%n", day(clock.instant()), names.get(id), who, kind);
    if (kind == InputKind.WARNINGS) {
      provisioner.acceptWarnings(ChangeRef.of(question), who);
    } else {
      provisioner.acknowledgeStagingTest(ChangeRef.of(question), who);
    }
  }

  private void tell(ProvisioningEvent event) {
    String name = names.get(event.enrollment());
    if (name == null) {
      return; // the enrollment's first change opening; enroll() tells that story
    }
    String what;
    if (event instanceof ProvisioningEvent.Transitioned t) {
      if (t.from().isEmpty()) {
        what = "change opened";
      } else {
        what = t.from() + " -> " + t.to();
      }
    } else if (event instanceof ProvisioningEvent.InputNeeded q) {
      asked.add(q);
      what = "asks a person: " + q.kind();
    } else if (event instanceof ProvisioningEvent.Deployed d) {
      what = "deployed to " + d.network() + " (serial " + d.certificate().serialNumber().substring(0, 8)
          + "..., expires " + day(d.certificate().notAfter()) + ")";
    } else if (event instanceof ProvisioningEvent.ExpiringSoon e) {
      what = "EXPIRING SOON: " + e.notAfter();
    } else if (event instanceof ProvisioningEvent.RetryScheduled r) {
      what = "retry " + r.attempt() + " at " + r.retryAt() + ": " + r.error();
    } else {
      what = "FAILED: " + ((ProvisioningEvent.Failed) event).reason();
    }
    out.printf("%s  %-20s %s%n", day(event.at()), name, what);
  }

  private void summarize(Enrollment enrollment) {
    out.println(enrollment.request().commonName() + ":");
    List<DeployedCertificate> served = new ArrayList<>(enrollment.history());
    if (enrollment.production() != null) {
      served.add(enrollment.production());
    }
    for (DeployedCertificate certificate : served) {
      out.printf("  live from %s, expires %s%n", day(certificate.deployedAt()), day(certificate.notAfter()));
    }
    out.println("  next renewal " + (enrollment.renewalAt() == null ? "-" : day(enrollment.renewalAt())));
  }

  private void chapter(String title) {
    out.println();
    out.println("== " + title);
  }

  private static String line(TimelineEntry entry) {
    return day(entry.at()) + "  " + entry.what() + "  (" + entry.who() + ")";
  }

  /** Day number since the start of the story, and the instant. */
  private static String day(Instant at) {
    long days = Duration.between(START, at).toDays();
    return String.format("day %3d %s", days, at.toString().substring(0, 16).replace('T', ' '));
  }

  private static EnrollmentRequest.Builder dv(String commonName, String... sans) {
    return EnrollmentRequest.builder().commonName(commonName).subjectAlternativeNames(List.of(sans))
        .validationType(ValidationType.DV);
  }

  private static EnrollmentRequest.Builder organizational(String commonName, String... sans) {
    return dv(commonName, sans)
        .validationType(ValidationType.OV)
        .organization(new Organization("Example Corp", "Web Platform", "1 Main Street", "Springfield", "Illinois",
            "62701", "US", "+1 217 555 0100"))
        .adminContact(new Contact("Dana", "Admin", "dana@example.com", "+1 217 555 0101"))
        .techContact(new Contact("Tom", "Tech", "tom@provider.example.net", "+1 617 555 0100"));
  }
}
