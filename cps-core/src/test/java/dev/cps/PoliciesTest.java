package dev.cps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.ValidationType;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoliciesTest {

  @Test
  void retriesStartWithinFiveMinutesDoubleAndStopAtTheCapPlusJitter() {
    RetryPolicy policy = RetryPolicy.DEFAULT;

    assertThat(policy.delay(1, 0.0)).isEqualTo(Duration.ofMinutes(2));
    assertThat(policy.delay(1, 0.999)).isLessThan(Duration.ofMinutes(5));
    assertThat(policy.delay(2, 0.0)).isEqualTo(Duration.ofMinutes(4));
    assertThat(policy.delay(3, 0.0)).isEqualTo(Duration.ofMinutes(8));
    assertThat(policy.delay(30, 0.0)).isEqualTo(Duration.ofHours(6));
    assertThat(policy.delay(1000, 0.999)).isLessThan(Duration.ofHours(9));
  }

  @Test
  void aRetryPolicyRefusesNonsense() {
    assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofHours(1), 3)).hasMessageContaining("first");
    // Under a millisecond, every delay would round to none.
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofNanos(500_000), Duration.ofHours(1), 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("first retry delay must be at least 1 ms, was PT0.0005S");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofHours(2), Duration.ofHours(1), 3))
        .hasMessageContaining("cap");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofMinutes(1), Duration.ofHours(1), 0))
        .hasMessageContaining("maxAttempts");
  }

  @Test
  void aRenewalPolicyNeedsALeadForEveryValidationTypeAndAFractionBelowOne() {
    Map<ValidationType, Duration> leads = new EnumMap<>(ValidationType.class);
    leads.put(ValidationType.DV, Duration.ofDays(20));

    assertThatThrownBy(() -> RenewalPolicy.of(leads, 0.3)).hasMessageContaining("OV");
    for (ValidationType type : ValidationType.values()) {
      leads.put(type, Duration.ofDays(30));
    }
    assertThatThrownBy(() -> RenewalPolicy.of(leads, 1.0)).hasMessageContaining("maxFractionOfLifetime");
    assertThat(RenewalPolicy.of(leads, 0.5)).isNotNull();
  }
}
