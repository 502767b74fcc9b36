package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.testkit.junit.CpsTestkit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CpsTestkitTest {
  @RegisterExtension
  CpsTestkit cps = CpsTestkit.create();

  /** A step of zero would never move the clock to the end: refused rather than looping for ever. */
  @Test
  void runForRefusesAStepThatCannotReachTheEnd() {
    assertThatThrownBy(() -> cps.runFor(Duration.ofMinutes(1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("step must be positive, was PT0S");
    assertThatThrownBy(() -> cps.runFor(Duration.ofMinutes(1), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("step must be positive, was PT-1S");
  }
}
