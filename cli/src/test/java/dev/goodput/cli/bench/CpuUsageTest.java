package dev.goodput.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.cli.bench.CpuUsage.ThreadCpu;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuUsageTest {

  @Test
  void shouldCountWhatEachLiveThreadUsedSinceTheFirstMarkAndNothingOfAThreadThatEnded() {
    // Given a stream thread of the previous run that used 9 s and ends before the second mark,
    // one of this run that used 1 s by the first mark and 4 s by the second, and one started since
    Map<Long, ThreadCpu> from =
        Map.of(
            1L, new ThreadCpu("#-StreamThread-#", 9_000_000_000L),
            2L, new ThreadCpu("#-StreamThread-#", 1_000_000_000L),
            3L, new ThreadCpu("main", 500_000_000L));
    Map<Long, ThreadCpu> to =
        Map.of(
            2L, new ThreadCpu("#-StreamThread-#", 4_000_000_000L),
            3L, new ThreadCpu("main", 700_000_000L),
            4L, new ThreadCpu("#-StreamThread-#", 2_000_000_000L));

    // Then the stream threads used 3 s and 2 s, never less than nothing
    assertThat(CpuUsage.groupNsBetween(from, to))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("#-StreamThread-#", 5_000_000_000L, "main", 200_000_000L));
  }
}
