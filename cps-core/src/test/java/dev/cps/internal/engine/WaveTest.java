package dev.cps.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.EnrollmentId;
import dev.cps.spi.VersionConflictException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class WaveTest {
  private static final EnrollmentId A = EnrollmentId.of("a");
  private static final EnrollmentId B = EnrollmentId.of("b");
  private static final EnrollmentId C = EnrollmentId.of("c");

  private static final Instant DUE_BY = Instant.parse("2026-03-01T10:00:00Z");

  private final Wave wave = new Wave("node-1", DUE_BY);
  private final List<String> ran = new ArrayList<>();

  @Test
  void whatFollowsAWriteRunsOnlyOnceItIsDurableAndNotAfterALostRace() {
    CompletableFuture<Void> durable = new CompletableFuture<>();
    CompletableFuture<Void> raced = new CompletableFuture<>();
    wave.begin(A);
    wave.written(durable);
    wave.afterWrite(() -> ran.add("after a"));
    wave.begin(B);
    wave.written(raced);
    wave.afterWrite(() -> ran.add("after b"));
    wave.begin(C);
    wave.afterWrite(() -> ran.add("c wrote nothing"));
    assertThat(ran).as("before the wait").containsExactly("c wrote nothing");

    durable.complete(null);
    raced.completeExceptionally(new VersionConflictException(B, 1, "the stored version is 2"));
    var outcomes = wave.await();

    assertThat(ran).containsExactly("c wrote nothing", "after a");
    assertThat(outcomes).containsOnlyKeys(A, B, C)
        .allSatisfy((id, outcome) -> assertThat(outcome).isInstanceOf(Wave.Outcome.Stepped.class));
  }

  @Test
  void aWriteThatFailsFailsItsEnrollmentAndSkipsWhatFollowsItsLaterWrites() {
    IllegalStateException diskFull = new IllegalStateException("the disk is full");
    wave.begin(A);
    wave.written(CompletableFuture.failedFuture(diskFull));
    wave.afterWrite(() -> ran.add("after the first"));
    wave.written(CompletableFuture.completedFuture(null));
    wave.afterWrite(() -> ran.add("after the second"));

    assertThat(wave.await().get(A)).isEqualTo(new Wave.Outcome.Failed(diskFull));
    assertThat(ran).isEmpty();
  }

  @Test
  void aStepThatFailsAfterItsWriteStillRunsWhatFollowsTheDurableWrite() {
    IllegalStateException late = new IllegalStateException("failed after writing");
    wave.begin(A);
    wave.written(CompletableFuture.completedFuture(null));
    wave.afterWrite(() -> ran.add("event"));
    wave.failed(late);

    assertThat(wave.await().get(A)).isEqualTo(new Wave.Outcome.Failed(late));
    assertThat(ran).containsExactly("event");
  }

  @Test
  void anEnrollmentWithNothingDueHasNoOutcome() {
    wave.begin(A);
    wave.notDue();
    wave.begin(B);
    assertThat(wave.await()).containsOnlyKeys(B);
  }

  @Test
  void aWriteEndsTheLeaseOnlyIfItLeavesNothingDueInThisRound() {
    assertThat(wave.releasing(DUE_BY.plusNanos(1))).isEqualTo("node-1");
    assertThat(wave.releasing(null)).as("nothing due ever").isEqualTo("node-1");
    assertThat(wave.releasing(DUE_BY)).isNull();
    assertThat(wave.releasing(DUE_BY.minusSeconds(60))).isNull();
    assertThat(new Wave(null, DUE_BY).releasing(DUE_BY.plusSeconds(60))).as("not leased").isNull();
  }

  @Test
  void aStepWhoseDurableWriteEndedTheLeaseIsReleasedAndOneThatLostTheRaceIsSteppedAgain() {
    wave.begin(A);
    wave.written(CompletableFuture.completedFuture(null), true);
    wave.begin(B);
    wave.written(CompletableFuture.failedFuture(new VersionConflictException(B, 1, "the stored version is 2")), true);
    wave.begin(C);
    wave.written(CompletableFuture.completedFuture(null));

    var outcomes = wave.await();

    assertThat(outcomes.get(A)).isInstanceOf(Wave.Outcome.Released.class);
    assertThat(outcomes.get(B)).as("the lease is still held").isInstanceOf(Wave.Outcome.Stepped.class);
    assertThat(outcomes.get(C)).isInstanceOf(Wave.Outcome.Stepped.class);
  }

  @Test
  void aDurableWriteThatEndedTheLeaseReleasesItsEnrollmentEvenAfterAnEarlierWriteOfItsStepLostTheRace() {
    wave.begin(A);
    wave.written(CompletableFuture.failedFuture(new VersionConflictException(A, 1, "the stored version is 2")));
    wave.written(CompletableFuture.completedFuture(null), true);

    assertThat(wave.await().get(A)).as("not stepped again without its lease").isInstanceOf(Wave.Outcome.Released.class);
  }
}
