package dev.cps.tests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import dev.cps.CertificateProvisioner;
import dev.cps.ChangeClosedException;
import dev.cps.ChangeRef;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The background scheduler on a real thread: due work runs by itself after {@code start()}, and
 * stops with {@code close()}. The clock stands still; DV orders validate at once.
 */
class BackgroundSchedulerTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @BeforeEach
  void instantValidation() {
    cps.ca().validationTime(ValidationType.DV, Duration.ZERO);
  }

  @Test
  void startedProvisionerTakesAnEnrollmentToProductionByItself() throws Exception {
    CertificateProvisioner provisioner = cps.provisioner();
    provisioner.start();

    Enrollment enrolled = provisioner.enroll(Requests.dv("www.example.com", "example.com").build(), "alice");
    Change first = enrolled.openChange().orElseThrow();
    DeployedCertificate deployed = provisioner.awaitProduction(enrolled.id(), first.id()).get(10, SECONDS);

    Enrollment done = provisioner.enrollment(enrolled.id()).orElseThrow();
    assertThat(deployed).isEqualTo(done.production());
    assertThat(deployed.change()).isEqualTo(first.id());
    assertThat(done.change(first.id()).orElseThrow().state()).isInstanceOf(ChangeState.Completed.class);
    assertThat(cps.production().live(enrolled.id())).contains(deployed.chain());
    assertThat(deployed.chain().leaf().getPublicKey())
        .isEqualTo(cps.keys().publicKey(deployed.key()).orElseThrow());
  }

  /**
   * A listener runs on the engine's thread; closing the provisioner from there returns at once
   * instead of waiting for the very step that called it.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void aListenerMayCloseTheProvisionerWithoutWaitingForItself(int workers) {
    AtomicReference<CertificateProvisioner> self = new AtomicReference<>();
    cps.workers(workers).configure(b -> b.listener(event -> {
      if (event instanceof ProvisioningEvent.Deployed) {
        self.get().close();
      }
    }));
    self.set(cps.provisioner());
    self.get().enroll(Requests.dv("closing.example.com").build(), "alice");

    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> self.get().runDue(),
        "runDue, its listener having closed the provisioner");
    assertThatThrownBy(() -> self.get().runDue()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void closedProvisionerProcessesNothingMore() throws Exception {
    CertificateProvisioner provisioner = cps.provisioner();
    provisioner.start();
    Enrollment before = provisioner.enroll(Requests.dv("www.example.com").build(), "alice");
    provisioner.awaitProduction(before.id(), before.openChange().orElseThrow().id()).get(10, SECONDS);

    provisioner.close();
    Enrollment after = provisioner.enroll(Requests.dv("shop.example.com").build(), "alice");

    await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5))
        .until(() -> latest(provisioner, after).state() instanceof ChangeState.KeyPending);
    assertThat(latest(provisioner, after).version()).isEqualTo(1);
    assertThat(cps.keys().size()).as("only the first enrollment's key").isOne();
    assertThat(cps.ca().submitCount()).isOne();
  }

  @Test
  void awaitingACancelledChangeCompletesExceptionally() throws Exception {
    CertificateProvisioner provisioner = cps.provisioner();
    provisioner.start();
    Enrollment enrolled =
        provisioner.enroll(Requests.dv("www.example.com").alwaysTestOnStaging(true).build(), "alice");
    Change opened = enrolled.openChange().orElseThrow();
    CompletableFuture<DeployedCertificate> waiting = provisioner.awaitProduction(enrolled.id(), opened.id());
    await().atMost(Duration.ofSeconds(10))
        .until(() -> latest(provisioner, enrolled).state() instanceof ChangeState.AwaitingStagingTest);
    assertThat(waiting).isNotDone();

    Change cancelled = provisioner.cancel(
        ChangeRef.ofOpenChange(provisioner.enrollment(enrolled.id()).orElseThrow()), "alice");

    assertThat(cancelled.state()).isInstanceOf(ChangeState.Cancelled.class);
    assertClosedAsCancelled(waiting, opened);
    assertClosedAsCancelled(provisioner.awaitProduction(enrolled.id(), opened.id()), opened);
    assertThat(cps.production().deployments()).isEmpty();
  }

  private static void assertClosedAsCancelled(CompletableFuture<DeployedCertificate> future, Change change) {
    ExecutionException failed = catchThrowableOfType(ExecutionException.class, () -> future.get(10, SECONDS));
    assertThat(failed).isNotNull();
    assertThat(failed.getCause()).isInstanceOfSatisfying(ChangeClosedException.class, closed -> {
      assertThat(closed.change()).isEqualTo(change.id());
      assertThat(closed.state()).isInstanceOf(ChangeState.Cancelled.class);
    });
  }

  private static Change latest(CertificateProvisioner provisioner, Enrollment enrolled) {
    return provisioner.enrollment(enrolled.id()).orElseThrow().latestChange().orElseThrow();
  }
}
