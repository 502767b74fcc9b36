package dev.cps.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.CertificateProvisioner;
import dev.cps.NoSuchEnrollmentException;
import dev.cps.spi.ChangeId;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.EnrollmentStore;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.junit.CpsTestkit;
import dev.cps.tests.Intercepted;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** awaitProduction for a change that does not exist, or is gone, is refused and leaves nothing waiting behind. */
class AwaitProductionTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  @Test
  void anUnknownChangeIsRefusedAndNothingIsLeftWaitingForIt() {
    Provisioner provisioner = (Provisioner) cps.provisioner();
    Enrollment enrolled = provisioner.enroll(
        EnrollmentRequest.builder().commonName("waited.example.com").validationType(ValidationType.DV).build(),
        "alice");

    for (int i = 0; i < 100; i++) {
      ChangeId unknown = ChangeId.of("no-such-change-" + i);
      assertThatThrownBy(() -> provisioner.awaitProduction(enrolled.id(), unknown))
          .isInstanceOf(NoSuchEnrollmentException.class);
      assertThatThrownBy(() -> provisioner.awaitProduction(EnrollmentId.of("no-such-enrollment"), unknown))
          .isInstanceOf(NoSuchEnrollmentException.class);
    }

    assertThat(provisioner.waitingForProduction()).isZero();
    provisioner.awaitProduction(enrolled.id(), enrolled.openChange().orElseThrow().id());
    assertThat(provisioner.waitingForProduction()).isOne();
  }

  /** The enrollment goes between the check and the read after registering: the future goes too. */
  @Test
  void aChangeGoneAfterTheFutureWasRegisteredTakesTheFutureWithIt() {
    AtomicInteger reads = new AtomicInteger();
    EnrollmentStore vanishing = Intercepted.of(EnrollmentStore.class, cps.store(), (method, args, proceed) ->
        method.getName().equals("find") && reads.incrementAndGet() == 2 ? Optional.empty() : proceed.call());
    try (Provisioner provisioner = (Provisioner) CertificateProvisioner.builder().clock(cps.clock())
        .enrollmentStore(vanishing).keyStore(cps.keys()).certificateAuthority(cps.ca())
        .productionNetwork(cps.production()).build()) {
      Enrollment enrolled = provisioner.enroll(
          EnrollmentRequest.builder().commonName("vanishing.example.com").validationType(ValidationType.DV).build(),
          "alice");
      reads.set(0);

      assertThatThrownBy(() -> provisioner.awaitProduction(enrolled.id(), enrolled.openChange().orElseThrow().id()))
          .isInstanceOf(NoSuchEnrollmentException.class);
      assertThat(reads).as("reads of the enrollment").hasValue(2);
      assertThat(provisioner.waitingForProduction()).isZero();
    }
  }
}
