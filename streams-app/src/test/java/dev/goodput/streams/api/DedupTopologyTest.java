package dev.goodput.streams.api;

import static dev.goodput.streams.api.TopologyFixture.WALL_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.internal.DedupIdStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dedup window in processing time, through the production topology: its bounds across the
 * store's buckets, against an independent model, and the read of the store's earlier layout after
 * an upgrade.
 */
class DedupTopologyTest {

  private static final long HOUR_MS = 3_600_000L;
  private static final Map<String, String> ONE_HOUR =
      Map.of(StreamsAppConfig.DEDUP_WINDOW_MS, Long.toString(HOUR_MS));

  @TempDir Path stateDir;

  private static InferenceEvent event(String id) {
    return TopologyFixture.event(id, "acme", "m", WALL_CLOCK, 10, 1);
  }

  private static long count(TopologyFixture fx, Outcome o) {
    return fx.queries.outcomes().get(o);
  }

  @Test
  void shouldCountAResendExactlyAWindowLaterAcrossABucketAsDuplicateAndOneMillisecondLaterNot() {
    try (TopologyFixture fx = new TopologyFixture(stateDir, ONE_HOUR)) {
      // Given r1 accepted at the last millisecond of a bucket (12:59:59.999)
      fx.driver.advanceWallClockTime(Duration.ofMillis(HOUR_MS - 1));
      fx.pipe(event("r1"));
      // When it is sent again exactly a window later (in the next bucket), then a millisecond
      // after that, then again within the window of that second acceptance
      fx.driver.advanceWallClockTime(Duration.ofMillis(HOUR_MS));
      fx.pipe(event("r1"));
      fx.driver.advanceWallClockTime(Duration.ofMillis(1));
      fx.pipe(event("r1"));
      fx.driver.advanceWallClockTime(Duration.ofMillis(HOUR_MS - 1));
      fx.pipe(event("r1"));

      // Then: accepted, duplicate, accepted, duplicate
      assertThat(count(fx, Outcome.ACCEPTED)).isEqualTo(2);
      assertThat(count(fx, Outcome.DUPLICATE)).isEqualTo(2);
    }
  }

  /**
   * Random resends of a few ids at random gaps (many of them a window, a window plus or minus a
   * millisecond, or nothing), against a model that keeps every acceptance time and knows nothing of
   * buckets.
   */
  @Property(tries = 20)
  void shouldDecideEveryResendAsAModelOfTheWindowDoes(@ForAll @LongRange(min = 1) long seed)
      throws Exception {
    Random random = new Random(seed);
    long[] gaps = {0, 1, HOUR_MS - 1, HOUR_MS, HOUR_MS + 1, HOUR_MS / 2, 2 * HOUR_MS};
    Map<String, List<Long>> acceptedAt = new java.util.HashMap<>();
    long now = WALL_CLOCK.toEpochMilli();
    long accepted = 0;
    long duplicates = 0;
    try (TopologyFixture fx = TopologyFixture.inTemporaryDirectory(ONE_HOUR)) {
      for (int i = 0; i < 60; i++) {
        long gap =
            random.nextBoolean()
                ? gaps[random.nextInt(gaps.length)]
                : (long) random.nextInt((int) (3 * HOUR_MS));
        fx.driver.advanceWallClockTime(Duration.ofMillis(gap));
        now += gap;
        String id = "r" + random.nextInt(3);
        fx.pipe(event(id));
        long at = now;
        List<Long> times = acceptedAt.computeIfAbsent(id, k -> new ArrayList<>());
        if (times.stream().anyMatch(t -> Math.abs(at - t) <= HOUR_MS)) {
          duplicates++;
        } else {
          times.add(at);
          accepted++;
        }
      }
      assertThat(count(fx, Outcome.ACCEPTED)).as("seed %d", seed).isEqualTo(accepted);
      assertThat(count(fx, Outcome.DUPLICATE)).as("seed %d", seed).isEqualTo(duplicates);
    }
  }

  @Test
  void shouldReadIdsKeptInTheEarlierLayoutForAWindowAfterTheUpgrade() {
    try (TopologyFixture fx = new TopologyFixture(stateDir, ONE_HOUR)) {
      // Given r1 accepted ten minutes ago by the earlier version: in the legacy store, under the
      // processing time it was accepted at, with its event time as the value
      WindowStore<Bytes, Long> legacy = fx.driver.getWindowStore(StoreNames.DEDUP_LEGACY);
      long acceptedAt = WALL_CLOCK.minus(Duration.ofMinutes(10)).toEpochMilli();
      legacy.put(id("acme", "r1"), WALL_CLOCK.toEpochMilli(), acceptedAt);

      // When r1 is sent again, and a new r2
      fx.pipe(event("r1"));
      fx.pipe(event("r2"));

      // Then r1 is a duplicate, r2 accepted, and the legacy store is read for a window (and a
      // minute) after this version's first event, as a marker in it says
      assertThat(count(fx, Outcome.DUPLICATE)).isEqualTo(1);
      assertThat(count(fx, Outcome.ACCEPTED)).isEqualTo(1);
      assertThat(marker(legacy)).isEqualTo(WALL_CLOCK.toEpochMilli() + HOUR_MS + 60_000L);

      // And r1 stays a duplicate until ten minutes after that, a window after it was accepted
      assertDuplicateForFiftyMinutesMore(fx);
    }
  }

  @Test
  void shouldReadIdsKeptInTheBucketLayoutForAWindowAfterTheIdStoresFirstUse() {
    try (TopologyFixture fx = new TopologyFixture(stateDir, ONE_HOUR)) {
      // Given r1 accepted ten minutes ago by the version before: in the bucket store, under its
      // bucket's start, with the time it was accepted at as the value
      WindowStore<Bytes, Long> buckets = fx.driver.getWindowStore(StoreNames.DEDUP_BUCKETS);
      long acceptedAt = WALL_CLOCK.minus(Duration.ofMinutes(10)).toEpochMilli();
      buckets.put(id("acme", "r1"), acceptedAt, Math.floorDiv(acceptedAt, HOUR_MS) * HOUR_MS);

      // When r1 is sent again, and a new r2
      fx.pipe(event("r1"));
      fx.pipe(event("r2"));

      // Then r1 is a duplicate, r2 accepted, and the id store keeps the time of its first use
      assertThat(count(fx, Outcome.DUPLICATE)).isEqualTo(1);
      assertThat(count(fx, Outcome.ACCEPTED)).isEqualTo(1);
      DedupIdStore ids = (DedupIdStore) fx.driver.getStateStore(StoreNames.DEDUP_IDS);
      assertThat(ids.since()).isEqualTo(WALL_CLOCK.toEpochMilli());

      // And r1 stays a duplicate until a window after it was accepted, and no longer
      assertDuplicateForFiftyMinutesMore(fx);
    }
  }

  @Test
  void shouldMarkTheLegacyStoreOfAFreshPipelineAsNeverToBeRead() {
    try (TopologyFixture fx = new TopologyFixture(stateDir, ONE_HOUR)) {
      fx.pipe(event("r1"));
      fx.pipe(event("r1"));

      // The marker alone: a window store needs a segment to keep its committed changelog offset
      assertThat(count(fx, Outcome.DUPLICATE)).isEqualTo(1);
      WindowStore<Bytes, Long> legacy = fx.driver.getWindowStore(StoreNames.DEDUP_LEGACY);
      assertThat(marker(legacy)).isEqualTo(Long.MIN_VALUE);
      try (var all = legacy.all()) {
        assertThat(all.next().key.key().get()).isEmpty();
        assertThat(all.hasNext()).isFalse();
      }
    }
  }

  @Test
  void shouldMarkBothDedupStoresOfATaskWithoutRecordsSoonAfterItStarts() {
    try (TopologyFixture fx = new TopologyFixture(stateDir, ONE_HOUR)) {
      // Given a task that has processed nothing: its window stores hold no segment yet
      WindowStore<Bytes, Long> legacy = fx.driver.getWindowStore(StoreNames.DEDUP_LEGACY);
      WindowStore<Bytes, Long> buckets = fx.driver.getWindowStore(StoreNames.DEDUP_BUCKETS);
      assertThat(marker(legacy)).isNull();
      assertThat(marker(buckets)).isNull();

      // When its first punctuation runs
      fx.driver.advanceWallClockTime(Duration.ofSeconds(2));

      // Then both hold the marker (so a segment, where the committed offset is kept), the legacy
      // one saying never to read it, and the id store the time of its first use
      assertThat(marker(legacy)).isEqualTo(Long.MIN_VALUE);
      assertThat(marker(buckets)).isNotNull();
      DedupIdStore ids = (DedupIdStore) fx.driver.getStateStore(StoreNames.DEDUP_IDS);
      assertThat(ids.since()).isEqualTo(WALL_CLOCK.toEpochMilli() + 2_000L);

      // And ids are still told apart as before
      fx.pipe(event("r1"));
      fx.pipe(event("r1"));
      assertThat(count(fx, Outcome.ACCEPTED)).isEqualTo(1);
      assertThat(count(fx, Outcome.DUPLICATE)).isEqualTo(1);
    }
  }

  /**
   * For an r1 accepted ten minutes before the fixture's start, counted once as a duplicate since,
   * beside one accepted event: sent again fifty minutes on it is a duplicate, a millisecond later
   * (more than a window after it was accepted) it is accepted.
   */
  private static void assertDuplicateForFiftyMinutesMore(TopologyFixture fx) {
    fx.driver.advanceWallClockTime(Duration.ofMinutes(50));
    fx.pipe(event("r1"));
    fx.driver.advanceWallClockTime(Duration.ofMillis(1));
    fx.pipe(event("r1"));
    assertThat(count(fx, Outcome.DUPLICATE)).isEqualTo(2);
    assertThat(count(fx, Outcome.ACCEPTED)).isEqualTo(2);
  }

  private static Long marker(WindowStore<Bytes, Long> store) {
    try (WindowStoreIterator<Long> it =
        store.backwardFetch(Bytes.wrap(new byte[0]), 0L, Long.MAX_VALUE)) {
      return it.hasNext() ? it.next().value : null;
    }
  }

  /** The dedup key as the pipeline builds it: tenant, a zero byte, event id. */
  private static Bytes id(String tenant, String eventId) {
    byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
    byte[] e = eventId.getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[t.length + 1 + e.length];
    System.arraycopy(t, 0, key, 0, t.length);
    System.arraycopy(e, 0, key, t.length + 1, e.length);
    return Bytes.wrap(key);
  }
}
