package dev.cps.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.NoSuchEnrollmentException;
import dev.cps.spi.ChangeId;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.ValidationType;
import dev.cps.testkit.junit.CpsTestkit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** awaitProduction for a change that does not exist is refused, and leaves nothing waiting behind. */
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
}
