package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FinalizeOptimismTest {
  private final FinalizeOptimism optimism = new FinalizeOptimism();

  @Test
  void triesAtFirst() {
    assertThat(optimism.worthTrying()).isTrue();
  }

  @Test
  void stopsAfterTheCaRefusesAsNotReady() {
    optimism.tried(false);

    assertThat(optimism.worthTrying()).isFalse();
  }

  @Test
  void aLongRunOfSuccessesSurvivesAFewRefusals() {
    for (int i = 0; i < 20; i++) {
      optimism.tried(true);
    }
    for (int i = 0; i < 4; i++) {
      optimism.tried(false);
    }

    assertThat(optimism.worthTrying()).isTrue();
    optimism.tried(false);
    assertThat(optimism.worthTrying()).isFalse();
  }

  @Test
  void startsAgainWhenOrdersAreSeenReadyAtOnce() {
    for (int i = 0; i < 20; i++) {
      optimism.tried(false);
    }
    assertThat(optimism.worthTrying()).isFalse();

    for (int i = 0; i < FinalizeOptimism.LIMIT - 1; i++) {
      optimism.wouldHaveWorked();
    }
    assertThat(optimism.worthTrying()).isFalse();
    optimism.wouldHaveWorked();
    assertThat(optimism.worthTrying()).isTrue();
  }
}
