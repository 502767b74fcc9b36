package dev.cps.testkit.junit;

import dev.cps.CertificateProvisioner;
import dev.cps.ProvisionerBuilder;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.testkit.FakeCertificateAuthority;
import dev.cps.testkit.InMemoryEnrollmentStore;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.MutableClock;
import dev.cps.testkit.RecordingNetwork;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands a test a provisioner wired to the testkit's fakes: a {@link MutableClock}, a
 * {@link FakeCertificateAuthority}, in-memory stores and two {@link RecordingNetwork}s. Register it
 * as a field to configure it, or with {@code @ExtendWith} for the defaults:
 *
 * <pre>{@code
 * @RegisterExtension
 * CpsTestkit cps = CpsTestkit.create().configure(b -> b.autoAcceptWarnings(TRUST_CHAIN_UNSORTED));
 *
 * @Test
 * void issues(CertificateProvisioner provisioner, MutableClock clock) { ... }
 * }</pre>
 *
 * Everything is built afresh for each test. Test methods may take the provisioner, the clock, the
 * CA, the stores, or this testkit as parameters.
 */
public final class CpsTestkit implements ParameterResolver, AfterEachCallback {
  /** Where every testkit clock starts: a fixed instant, so that tests read the same each run. */
  public static final Instant START = Instant.parse("2026-01-05T09:00:00Z");

  private final List<Consumer<ProvisionerBuilder>> customizers = new ArrayList<>();
  private boolean documents;
  private int workers = 1;
  private @Nullable Fixture fixture;

  /** Kept together so that one test's fakes never leak into the next. */
  private static final class Fixture {
    final MutableClock clock = MutableClock.at(START);
    final InMemoryEnrollmentStore store;
    final InMemoryPrivateKeyStore keys = new InMemoryPrivateKeyStore();
    final RecordingNetwork staging = new RecordingNetwork("staging");
    final RecordingNetwork production = new RecordingNetwork("production");
    final List<ProvisioningEvent> events = Collections.synchronizedList(new ArrayList<>());
    final FakeCertificateAuthority ca;
    @Nullable CertificateProvisioner provisioner;

    Fixture(boolean documents) {
      store = documents ? InMemoryEnrollmentStore.storingDocuments() : new InMemoryEnrollmentStore();
      ca = FakeCertificateAuthority.builder().id("fake").clock(clock).build();
    }
  }

  public CpsTestkit() {}

  public static CpsTestkit create() {
    return new CpsTestkit();
  }

  /** Changes the provisioner's configuration; called on every provisioner this testkit builds. */
  public CpsTestkit configure(Consumer<ProvisionerBuilder> customizer) {
    customizers.add(customizer);
    return this;
  }

  /**
   * Keeps enrollments as they read back from their JSON documents, as a database would: what a
   * restart test resumes from is what a real store holds.
   */
  public CpsTestkit storingDocuments() {
    documents = true;
    return this;
  }

  /** Worker threads of the provisioners built; 1 by default, so that tests read the same each run. */
  public CpsTestkit workers(int workers) {
    this.workers = workers;
    return this;
  }

  public MutableClock clock() {
    return fixture().clock;
  }

  public FakeCertificateAuthority ca() {
    return fixture().ca;
  }

  public InMemoryEnrollmentStore store() {
    return fixture().store;
  }

  public InMemoryPrivateKeyStore keys() {
    return fixture().keys;
  }

  public RecordingNetwork staging() {
    return fixture().staging;
  }

  public RecordingNetwork production() {
    return fixture().production;
  }

  /** Every event the provisioners of this test emitted, in order. */
  public List<ProvisioningEvent> events() {
    synchronized (fixture().events) {
      return List.copyOf(fixture().events);
    }
  }

  /** The provisioner, built on first use. */
  public CertificateProvisioner provisioner() {
    Fixture f = fixture();
    if (f.provisioner == null) {
      f.provisioner = build(f);
    }
    return f.provisioner;
  }

  /**
   * Closes the provisioner and builds a new one on the same stores, CA, networks and clock: what a
   * host sees after its process restarts.
   */
  public CertificateProvisioner restart() {
    Fixture f = fixture();
    if (f.provisioner != null) {
      f.provisioner.close();
    }
    f.provisioner = build(f);
    return f.provisioner;
  }

  /** Moves the clock and runs what became due. */
  public int advance(Duration amount) {
    clock().advance(amount);
    return provisioner().runDue();
  }

  /**
   * Moves the clock in steps of {@code step} up to {@code total}, running what is due after each:
   * a simulated stretch of time in which the engine looks as often as {@code step} says.
   *
   * @throws IllegalArgumentException if {@code step} is not positive: the clock would never reach the end
   */
  public void runFor(Duration total, Duration step) {
    if (step.isNegative() || step.isZero()) {
      throw new IllegalArgumentException("step must be positive, was " + step);
    }
    Instant end = clock().instant().plus(total);
    provisioner().runDue();
    while (clock().instant().isBefore(end)) {
      Duration left = Duration.between(clock().instant(), end);
      advance(left.compareTo(step) < 0 ? left : step);
    }
  }

  private CertificateProvisioner build(Fixture f) {
    ProvisionerBuilder builder = CertificateProvisioner.builder()
        .clock(f.clock)
        .enrollmentStore(f.store)
        .keyStore(f.keys)
        .certificateAuthority(f.ca)
        .stagingNetwork(f.staging)
        .productionNetwork(f.production)
        .listener(f.events::add)
        .workers(workers)
        .jitterSeed(42);
    customizers.forEach(c -> c.accept(builder));
    return builder.build();
  }

  private Fixture fixture() {
    if (fixture == null) {
      fixture = new Fixture(documents);
    }
    return fixture;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Fixture done = fixture;
    fixture = null; // the next test starts afresh, whatever closing this one's provisioner throws
    if (done != null && done.provisioner != null) {
      done.provisioner.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == CertificateProvisioner.class || type == MutableClock.class
        || type == FakeCertificateAuthority.class || type == InMemoryEnrollmentStore.class
        || type == InMemoryPrivateKeyStore.class || type == CpsTestkit.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type == CertificateProvisioner.class) {
      return provisioner();
    }
    if (type == MutableClock.class) {
      return clock();
    }
    if (type == FakeCertificateAuthority.class) {
      return ca();
    }
    if (type == InMemoryEnrollmentStore.class) {
      return store();
    }
    if (type == InMemoryPrivateKeyStore.class) {
      return keys();
    }
    return this;
  }
}
