package dev.goodput.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RocksDB side of the dedup id store on its own: batches in, ids out by bucket, across a close
 * and reopen, through the restore callback as from the changelog, and the buckets' expiry.
 */
class DedupIdSegmentsTest {

  private static final long WINDOW_MS = 3_600_000L;
  private static final long T0 = 1_764_892_800_000L; // a bucket start: 2025-12-05T00:00Z

  @TempDir Path dir;

  /** A store context with a state directory, keeping the restore callback registered. */
  private static final class Context implements StateStoreContext {
    final Path stateDir;
    StateRestoreCallback restore;

    Context(Path stateDir) {
      this.stateDir = stateDir;
    }

    @Override
    public String applicationId() {
      return "test";
    }

    @Override
    public TaskId taskId() {
      return new TaskId(0, 0);
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
      return Optional.empty();
    }

    @Override
    public Serde<?> keySerde() {
      return null;
    }

    @Override
    public Serde<?> valueSerde() {
      return null;
    }

    @Override
    public java.io.File stateDir() {
      return stateDir.toFile();
    }

    @Override
    public StreamsMetrics metrics() {
      return null;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback) {
      restore = callback;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback commit) {
      restore = callback;
    }

    @Override
    public Map<String, Object> appConfigs() {
      return Map.of();
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
      return Map.of();
    }
  }

  private DedupIdSegments open(Path stateDir, Context[] registered) {
    DedupIdSegments store = new DedupIdSegments("dedup-ids", WINDOW_MS);
    Context context = new Context(stateDir);
    store.init(context, store);
    if (registered != null) {
      registered[0] = context;
    }
    return store;
  }

  private static Bytes id(String s) {
    return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static List<KeyValue<Bytes, byte[]>> batch(Map<Bytes, Long> ids) {
    return DedupBatches.ids(ids, 0);
  }

  @Test
  void shouldKeepEachIdOfABatchInItsBucketWithTheTimeItWasAcceptedAt() {
    DedupIdSegments store = open(dir, null);
    try {
      Map<Bytes, Long> ids = new LinkedHashMap<>();
      ids.put(id("acme\0r1"), T0 + 5);
      ids.put(id("acme\0r2"), T0 + WINDOW_MS + 7);
      store.putAll(batch(ids));

      assertThat(store.acceptedAt(id("acme\0r1").get(), T0)).isEqualTo(T0 + 5);
      assertThat(store.acceptedAt(id("acme\0r2").get(), T0 + WINDOW_MS))
          .isEqualTo(T0 + WINDOW_MS + 7);
      // Each id only in its own bucket, an unknown id nowhere, a bucket never written is empty
      assertThat(store.acceptedAt(id("acme\0r1").get(), T0 + WINDOW_MS)).isNull();
      assertThat(store.acceptedAt(id("acme\0r3").get(), T0)).isNull();
      assertThat(store.acceptedAt(id("acme\0r1").get(), T0 - WINDOW_MS)).isNull();
    } finally {
      store.close();
    }
  }

  @Test
  void shouldStillHoldItsIdsAndSinceAfterACloseAndReopen() {
    DedupIdSegments store = open(dir, null);
    store.put(DedupBatches.since(T0).key, DedupBatches.since(T0).value);
    store.putAll(batch(Map.of(id("acme\0r1"), T0 + 5)));
    store.close();

    DedupIdSegments reopened = open(dir, null);
    try {
      assertThat(reopened.acceptedAt(id("acme\0r1").get(), T0)).isEqualTo(T0 + 5);
      assertThat(reopened.since()).isEqualTo(T0);
    } finally {
      reopened.close();
    }
  }

  @Test
  void shouldRestoreFromItsChangelogRecordsWhatPutsWrote() throws Exception {
    // Given the changelog records of two commits, one of them split into several records (about
    // 3 MB of them: the store writes a restore's ids a MiB at a time)
    Map<Bytes, Long> first = new LinkedHashMap<>();
    for (int i = 0; i < 100_000; i++) {
      first.put(id("acme\0first-" + i), T0 + i);
    }
    List<KeyValue<byte[], byte[]>> changelog = new ArrayList<>();
    for (KeyValue<Bytes, byte[]> r : DedupBatches.ids(first, 0)) {
      changelog.add(KeyValue.pair(r.key.get(), r.value));
    }
    assertThat(changelog).hasSizeGreaterThan(1);
    KeyValue<Bytes, byte[]> since = DedupBatches.since(T0);
    changelog.add(KeyValue.pair(since.key.get(), since.value));
    for (KeyValue<Bytes, byte[]> r : DedupBatches.ids(Map.of(id("beta\0x"), T0 + 9), 7)) {
      changelog.add(KeyValue.pair(r.key.get(), r.value));
    }

    // When a fresh store restores them
    Context[] context = new Context[1];
    DedupIdSegments store = open(dir.resolve("fresh"), context);
    try {
      ((BatchingStateRestoreCallback) context[0].restore).restoreAll(changelog);

      // Then it holds every id with its time, and the since time
      for (Map.Entry<Bytes, Long> e : first.entrySet()) {
        assertThat(store.acceptedAt(e.getKey().get(), T0)).isEqualTo(e.getValue());
      }
      assertThat(store.acceptedAt(id("beta\0x").get(), T0)).isEqualTo(T0 + 9);
      assertThat(store.since()).isEqualTo(T0);
      assertThat(store.approximateNumEntries()).isPositive();
    } finally {
      store.close();
    }
  }

  @Test
  void shouldDropABucketOnceItStartsMoreThanTwoWindowsBeforeTheNewestAndNotWriteOlderIds()
      throws Exception {
    DedupIdSegments store = open(dir, null);
    try {
      store.putAll(batch(Map.of(id("a\0old"), T0 + 1)));
      // Two windows later the bucket is still kept: an id accepted just before it may match
      store.putAll(batch(Map.of(id("a\0new"), T0 + 2 * WINDOW_MS)));
      assertThat(store.acceptedAt(id("a\0old").get(), T0)).isEqualTo(T0 + 1);
      assertThat(familyCount()).isEqualTo(3); // default, T0, T0 + 2 windows

      // Three windows later it is dropped, and an id of its time is no longer written
      store.putAll(batch(Map.of(id("a\0newer"), T0 + 3 * WINDOW_MS)));
      assertThat(store.acceptedAt(id("a\0old").get(), T0)).isNull();
      store.putAll(batch(Map.of(id("a\0late"), T0 + 2)));
      assertThat(store.acceptedAt(id("a\0late").get(), T0)).isNull();
      assertThat(store.acceptedAt(id("a\0new").get(), T0 + 2 * WINDOW_MS))
          .isEqualTo(T0 + 2 * WINDOW_MS);
    } finally {
      store.close();
    }
    // And the dropped bucket is gone from disk: a reopened store has only the two others
    DedupIdSegments reopened = open(dir, null);
    try {
      assertThat(reopened.acceptedAt(id("a\0old").get(), T0)).isNull();
      assertThat(reopened.acceptedAt(id("a\0newer").get(), T0 + 3 * WINDOW_MS))
          .isEqualTo(T0 + 3 * WINDOW_MS);
    } finally {
      reopened.close();
    }
  }

  @Test
  void shouldNotLetAnIdFromAClockFarAheadExpireTheCurrentBuckets() {
    long now = System.currentTimeMillis();
    DedupIdSegments store = open(dir, null);
    try {
      // Given an id accepted now
      store.putAll(batch(Map.of(id("a\0now"), now)));
      // When one comes from a clock ten windows ahead, and then another id of now
      store.putAll(batch(Map.of(id("a\0ahead"), now + 10 * WINDOW_MS)));
      store.putAll(batch(Map.of(id("a\0later"), now + 1)));

      // Then all three are kept, each in its bucket
      assertThat(store.acceptedAt(id("a\0now").get(), store.bucketStart(now))).isEqualTo(now);
      assertThat(store.acceptedAt(id("a\0later").get(), store.bucketStart(now))).isEqualTo(now + 1);
      long ahead = now + 10 * WINDOW_MS;
      assertThat(store.acceptedAt(id("a\0ahead").get(), store.bucketStart(ahead))).isEqualTo(ahead);
    } finally {
      store.close();
    }

    // And so after a reopen, which finds the bucket ahead on disk
    DedupIdSegments reopened = open(dir, null);
    try {
      reopened.putAll(batch(Map.of(id("a\0reopened"), now + 2)));
      assertThat(reopened.acceptedAt(id("a\0now").get(), reopened.bucketStart(now))).isEqualTo(now);
      assertThat(reopened.acceptedAt(id("a\0reopened").get(), reopened.bucketStart(now)))
          .isEqualTo(now + 2);
    } finally {
      reopened.close();
    }
  }

  @Test
  void shouldForgetTheBucketsOfItsWipedStateWhenInitialisedAgain() throws Exception {
    // Given a store that took an id ten windows on, then was closed and its directory wiped (as
    // Kafka Streams does after a dirty close under exactly-once, re-initialising the same object)
    DedupIdSegments store = new DedupIdSegments("dedup-ids", WINDOW_MS);
    store.init(new Context(dir), store);
    store.putAll(batch(Map.of(id("a\0later"), T0 + 10 * WINDOW_MS)));
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(f -> f.delete());
    }

    // When it is initialised again and takes an id of T0
    store.init(new Context(dir), store);
    try {
      store.putAll(batch(Map.of(id("a\0r1"), T0 + 1)));

      // Then that id is kept: the wiped bucket does not make T0's look expired
      assertThat(store.acceptedAt(id("a\0r1").get(), T0)).isEqualTo(T0 + 1);
    } finally {
      store.close();
    }
  }

  /** Column families of the store's database, from its latest OPTIONS file. */
  private long familyCount() throws Exception {
    Path db = dir.resolve("goodput").resolve("dedup-ids");
    try (Stream<Path> files = Files.list(db)) {
      Path options =
          files
              .filter(f -> f.getFileName().toString().startsWith("OPTIONS-"))
              .max(Path::compareTo)
              .orElseThrow();
      return Files.readAllLines(options).stream().filter(l -> l.startsWith("[CFOptions ")).count();
    }
  }
}
