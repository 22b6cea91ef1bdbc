package dev.goodput.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dedup id store's changelog settings: deleted by age, never compacted. */
class DedupIdStoreBuilderTest {

  @Test
  void theChangelogKeepsTwoWindowsAndADayInSegmentsOfAWindowAndIsNeverCompacted() {
    long day = 86_400_000L;
    DedupIdStoreBuilder builder = new DedupIdStoreBuilder("dedup-ids", day);

    assertThat(builder.loggingEnabled()).isTrue();
    assertThat(builder.logConfig())
        .containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", Long.toString(3 * day + 1))
        .containsEntry("segment.ms", Long.toString(day));
    // A one-minute window still rolls segments hourly, not every minute
    assertThat(new DedupIdStoreBuilder("dedup-ids", 60_000L).logConfig())
        .containsEntry("segment.ms", "3600000");

    // Settings of one's own are taken, compaction refused with the reason
    builder.withLoggingEnabled(Map.of("min.insync.replicas", "2"));
    assertThat(builder.logConfig()).containsEntry("min.insync.replicas", "2");
    assertThatThrownBy(() -> builder.withLoggingEnabled(Map.of("cleanup.policy", "compact")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be deleted by age")
        .hasMessageContaining("not compact");
  }
}
