package dev.cps.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast instant writer against the JDK's ISO_INSTANT formatter it stands in for. */
class InstantWriterTest {
  private static final long FIRST = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
  private static final long LAST = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  @Test
  void writesWhatIsoInstantWritesAtTheEdgesAndForEveryKindOfFraction() {
    List<Instant> instants = new ArrayList<>(List.of(
        Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(FIRST), Instant.ofEpochSecond(LAST, 999_999_999),
        Instant.parse("2026-01-05T09:00:00Z"), Instant.parse("2026-02-28T23:59:59.5Z"),
        Instant.parse("2024-02-29T12:00:00.000001Z"), Instant.parse("2000-03-01T00:00:00.000000001Z"),
        Instant.parse("1969-12-31T23:59:59.123456789Z"), Instant.parse("0999-06-15T01:02:03.010Z"),
        Instant.parse("1900-01-01T00:00:00.100200Z")));
    for (Instant instant : instants) {
      assertThat(written(instant)).as("%s", instant).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
    }
  }

  @Test
  void writesWhatIsoInstantWritesForAHundredThousandRandomInstants() {
    SplittableRandom random = new SplittableRandom(20261128);
    for (int i = 0; i < 100_000; i++) {
      long seconds = random.nextLong(FIRST, LAST + 1);
      int nanos = switch (i % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant instant = Instant.ofEpochSecond(seconds, nanos);
      assertThat(written(instant)).as("%s", instant).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
    }
  }

  @Test
  void leavesYearsBeyondFourDigitsToTheFormatter() {
    char[] text = new char[30];
    assertThat(InstantWriter.format(Instant.ofEpochSecond(FIRST - 1), text)).isNegative();
    assertThat(InstantWriter.format(Instant.ofEpochSecond(LAST + 1), text)).isNegative();
    assertThat(InstantWriter.format(Instant.MAX, text)).isNegative();
    assertThat(InstantWriter.format(Instant.MIN, text)).isNegative();
  }

  private static String written(Instant instant) {
    char[] text = new char[30];
    int length = InstantWriter.format(instant, text);
    assertThat(length).as("written fast: %s", instant).isPositive();
    return new String(text, 0, length);
  }
}
