package dev.goodput.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.goodput.streams.api.EventObserver;
import dev.goodput.streams.api.HourlyUsage;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.StoreNames;
import dev.goodput.streams.api.TopologyFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBackStoreTest {

  @TempDir Path stateDir;

  private static KeyValueStore<String, Long> inMemory(String name) {
    return Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.Long())
        .withLoggingDisabled()
        .withCachingDisabled()
        .build();
  }

  /** A write-back store over an in-memory store without changelog, initialised for a unit test. */
  private static WriteBackStore<String, Long> store(int maxEntries) {
    KeyValueStore<String, Long> inner = inMemory("counts");
    return init(new WriteBackStore<>(inner, Serdes.String().serializer(), v -> v, maxEntries));
  }

  private static <K, V> WriteBackStore<K, V> init(WriteBackStore<K, V> store) {
    MockProcessorContext<Void, Void> context = new MockProcessorContext<>();
    store.init(context.getStateStoreContext(), store);
    return store;
  }

  private static Map<String, Long> contents(WriteBackStore<String, Long> store) {
    Map<String, Long> out = new LinkedHashMap<>();
    try (KeyValueIterator<String, Long> it = store.all()) {
      it.forEachRemaining(kv -> out.put(kv.key, kv.value));
    }
    return out;
  }

  @Test
  void queriesSeeValuesOncePublishedAndTheInnerStoreOnlyAfterTheFlush() {
    KeyValueStore<String, Long> inner = inMemory("counts");
    WriteBackStore<String, Long> store =
        init(new WriteBackStore<>(inner, Serdes.String().serializer(), v -> v, 8));
    store.write("a", 1L);
    store.write("a", 2L);
    store.write("b", 5L);

    assertThat(store.read("a")).isEqualTo(2L);
    assertThat(store.read("b")).isEqualTo(5L);
    assertThat(store.get("a")).isNull();
    assertThat(contents(store)).isEmpty();
    assertThat(store.dirtyCount()).isEqualTo(2);

    store.publish();
    assertThat(contents(store)).containsExactly(Map.entry("a", 2L), Map.entry("b", 5L));
    assertThat(store.get("a")).isEqualTo(2L);
    assertThat(inner.get("a")).isNull();
    assertThat(store.publishedCount()).isEqualTo(2);

    // A change after the publish is invisible until the next publish or flush.
    store.write("b", 6L);
    assertThat(store.get("b")).isEqualTo(5L);
    store.flushCache();
    assertThat(contents(store)).containsExactly(Map.entry("a", 2L), Map.entry("b", 6L));
    assertThat(inner.get("a")).isEqualTo(2L);
    assertThat(inner.get("b")).isEqualTo(6L);
    assertThat(store.dirtyCount()).isZero();
    assertThat(store.publishedCount()).isZero();

    // Flushing again writes nothing new.
    store.flushCache();
    assertThat(contents(store)).containsExactly(Map.entry("a", 2L), Map.entry("b", 6L));
  }

  /** A published value is a snapshot: changing the kept value in place does not reach queries. */
  @Test
  void aPublishedValueIsACopyThatLaterChangesDoNotReach() {
    KeyValueStore<String, long[]> inner =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("arrays"),
                Serdes.String(),
                Serdes.serdeFrom(
                    (topic, v) -> java.nio.ByteBuffer.allocate(8).putLong(v[0]).array(),
                    (topic, b) -> new long[] {java.nio.ByteBuffer.wrap(b).getLong()}))
            .withLoggingDisabled()
            .withCachingDisabled()
            .build();
    WriteBackStore<String, long[]> store =
        init(new WriteBackStore<>(inner, Serdes.String().serializer(), long[]::clone, 8));
    long[] kept = {1};
    store.write("a", kept);
    store.publish();
    kept[0] = 2;
    store.write("a", kept);

    assertThat(store.get("a")).containsExactly(1);
    store.publish();
    assertThat(store.get("a")).containsExactly(2);
  }

  @Test
  void theLeastRecentlyUsedValueIsWrittenBackEarlyWhenRoomIsNeeded() {
    WriteBackStore<String, Long> store = store(2);
    store.write("a", 1L);
    store.write("b", 2L);
    store.read("a"); // b is now the least recently used
    store.write("c", 3L);

    assertThat(contents(store)).containsExactly(Map.entry("b", 2L));
    assertThat(store.dirtyCount()).isEqualTo(2);
    // b is read back from the inner store, and room is made by writing back a.
    assertThat(store.read("b")).isEqualTo(2L);
    assertThat(contents(store)).containsExactly(Map.entry("a", 1L), Map.entry("b", 2L));
    store.flushCache();
    assertThat(contents(store))
        .containsExactly(Map.entry("a", 1L), Map.entry("b", 2L), Map.entry("c", 3L));
  }

  @Test
  void clearingOrClosingDropsWhatWasNotWrittenBack() {
    WriteBackStore<String, Long> store = store(8);
    store.write("a", 1L);
    store.flushCache();
    store.write("a", 2L);
    store.write("b", 7L);
    store.publish();
    store.clearCache();

    assertThat(contents(store)).containsExactly(Map.entry("a", 1L));
    assertThat(store.publishedCount()).isZero();
    assertThat(store.read("a")).isEqualTo(1L);
    assertThat(store.read("b")).isNull();
    assertThat(store.dirtyCount()).isZero();

    store.write("a", 3L);
    store.close();
    assertThat(store.isOpen()).isFalse();
  }

  /** A write right after a read of the same key skips the lookup, unless the cache was cleared. */
  @Test
  void aWriteAfterAReadOfTheSameKeyLandsInTheCurrentSlot() {
    WriteBackStore<String, Long> store = store(8);
    store.write("a", 1L);
    store.flushCache();
    String a = "a";
    assertThat(store.read(a)).isEqualTo(1L);
    store.write(a, 2L);
    assertThat(store.dirtyCount()).isEqualTo(1);

    assertThat(store.read(a)).isEqualTo(2L);
    store.clearCache();
    store.write(a, 5L);
    assertThat(store.read(a)).isEqualTo(5L);
    assertThat(store.dirtyCount()).isEqualTo(1);
    store.flushCache();
    assertThat(contents(store)).containsExactly(Map.entry("a", 5L));
  }

  /** An entry found once is set without lookups, published and written back like a write. */
  @Test
  void anEntryIsSetWithoutALookupAndWrittenBackAsAWrite() {
    KeyValueStore<String, Long> inner = inMemory("counts");
    WriteBackStore<String, Long> store =
        init(new WriteBackStore<>(inner, Serdes.String().serializer(), v -> v, 8));
    inner.put("old", 40L);

    WriteBackStore.Entry<Long> fresh = store.entry("new");
    WriteBackStore.Entry<Long> old = store.entry("old");
    assertThat(fresh.value()).isNull();
    assertThat(old.value()).isEqualTo(40L);
    assertThat(store.dirtyCount()).isZero();

    store.set(fresh, 1L);
    store.set(fresh, 2L);
    store.set(old, 41L);
    assertThat(store.dirtyCount()).isEqualTo(2);
    assertThat(store.read("new")).isEqualTo(2L);
    assertThat(store.get("new")).isNull();

    store.publish();
    assertThat(contents(store)).containsExactly(Map.entry("new", 2L), Map.entry("old", 41L));
    assertThat(inner.get("old")).isEqualTo(40L);
    store.flushCache();
    assertThat(inner.get("new")).isEqualTo(2L);
    assertThat(inner.get("old")).isEqualTo(41L);
    assertThat(store.publishedCount()).isZero();
    // The same entry stays usable across commits.
    assertThat(store.entry("new")).isSameAs(fresh);
    store.set(fresh, 3L);
    store.flushCache();
    assertThat(inner.get("new")).isEqualTo(3L);
  }

  /**
   * An entry dropped for the room (written back first) or by a cleared cache is no longer live and
   * refuses a set; the value is found again through a new entry.
   */
  @Test
  void aDroppedEntryIsNoLongerLiveAndRefusesASet() {
    WriteBackStore<String, Long> store = store(2);
    WriteBackStore.Entry<Long> a = store.entry("a");
    store.set(a, 1L);
    WriteBackStore.Entry<Long> b = store.entry("b");
    store.set(b, 2L);
    store.entry("c");

    assertThat(a.live()).isFalse();
    // A dropped entry lets its value go: a caller holding it keeps nothing in memory.
    assertThat(a.value()).isNull();
    assertThat(b.live()).isTrue();
    assertThat(contents(store)).containsExactly(Map.entry("a", 1L));
    assertThatThrownBy(() -> store.set(a, 5L))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no longer kept");
    // A held entry is used while live.
    assertThat(store.entry("b", b)).isSameAs(b);
    // Finding a again makes room too: b, the least recently used, is written back.
    WriteBackStore.Entry<Long> again = store.entry("a");
    assertThat(again.value()).isEqualTo(1L);
    assertThat(b.live()).isFalse();
    assertThat(store.entry("b").value()).isEqualTo(2L);

    store.clearCache();
    assertThat(again.live()).isFalse();
    // c was found, never set: nothing of it was written.
    assertThat(store.entry("c").value()).isNull();
    // A held entry no longer live is found again.
    WriteBackStore.Entry<Long> refound = store.entry("a", again);
    assertThat(refound).isNotSameAs(again);
    assertThat(refound.value()).isEqualTo(1L);
  }

  /**
   * Entries changed through {@code set} are not looked up, so each publish makes the changed ones
   * the most recently used: room is made from an entry no longer changing.
   */
  @Test
  void aPublishKeepsTheEntriesChangedSinceAsTheMostRecentlyUsed() {
    WriteBackStore<String, Long> store = store(2);
    WriteBackStore.Entry<Long> a = store.entry("a");
    store.set(a, 1L);
    WriteBackStore.Entry<Long> b = store.entry("b");
    store.set(b, 2L);
    store.publish();
    // Only a changes after the publish: b is the least recently used at the next one.
    store.set(a, 3L);
    store.publish();
    store.entry("c");

    assertThat(a.live()).isTrue();
    assertThat(b.live()).isFalse();
    assertThat(contents(store)).containsExactly(Map.entry("a", 3L), Map.entry("b", 2L));
  }

  @Test
  void rejectsNullValuesAndNoRoom() {
    WriteBackStore<String, Long> store = store(1);
    assertThatThrownBy(() -> store.write("a", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deletes are not supported");
    assertThatThrownBy(() -> new WriteBackStore<String, Long>(null, null, v -> v, 0))
        .hasMessageContaining("maxEntries must be at least 1");
  }

  /**
   * Between commits, a processor's publish punctuation writes the changed values back, so queries
   * see them within the publish interval rather than the commit interval.
   */
  @Test
  void theParseStepPublishesItsCountsOnItsWallClockSchedule() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "wb");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    MockProcessorContext<byte[], Parsed> context =
        new MockProcessorContext<>(props, new TaskId(0, 0), stateDir.toFile());
    WriteBackStore<String, Long> outcomes =
        new WriteBackStoreBuilder<>(
                StoreNames.OUTCOMES_INGRESS, Serdes.String(), Serdes.Long(), v -> v, 4)
            .withLoggingDisabled()
            .build();
    outcomes.init(context.getStateStoreContext(), outcomes);
    context.addStateStore(outcomes);
    ParseProcessor parse = new ParseProcessor(3_600_000L, EventObserver.NONE, 1, 250);
    parse.init(context);
    context.setCurrentSystemTimeMs(0L);

    parse.process(new Record<>(new byte[0], "not json".getBytes(StandardCharsets.UTF_8), 0L));
    parse.process(new Record<>(new byte[0], "{}".getBytes(StandardCharsets.UTF_8), 0L));
    assertThat(outcomes.read(Outcome.REJECTED.label())).isEqualTo(2L);
    assertThat(outcomes.get(Outcome.REJECTED.label())).isNull();

    List<MockProcessorContext.CapturedPunctuator> publish =
        context.scheduledPunctuators().stream()
            .filter(c -> c.getInterval().toMillis() == 250)
            .toList();
    assertThat(publish).hasSize(1);
    assertThat(publish.get(0).getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
    publish.get(0).getPunctuator().punctuate(1_000L);
    assertThat(outcomes.get(Outcome.REJECTED.label())).isEqualTo(2L);
  }

  /** Adds each record's value to its key's count three times, as three separate changes. */
  private static final class ThreeChangesPerRecord implements Processor<String, Long, Void, Void> {
    private WriteBackStore<String, Long> counts;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      counts = context.getStateStore("counts");
    }

    @Override
    public void process(Record<String, Long> record) {
      for (int i = 0; i < 3; i++) {
        Long c = counts.read(record.key());
        counts.write(record.key(), (c == null ? 0 : c) + record.value());
      }
    }
  }

  /**
   * Kafka Streams' commit writes every changed value back, once, before it commits: the changelog
   * holds one record per key changed since the last commit, with the value after all its changes.
   * This is the internal hook the store relies on; if an upgrade of Kafka Streams stopped calling
   * it, this test fails rather than the changelog silently missing data.
   */
  @Test
  void eachCommitWritesEveryChangedValueOnceToTheChangelogUnderExactlyOnce() {
    Topology topology = new Topology();
    topology.addSource("in", new StringDeserializer(), Serdes.Long().deserializer(), "in");
    topology.addProcessor("count", ThreeChangesPerRecord::new, "in");
    topology.addStateStore(
        new WriteBackStoreBuilder<>("counts", Serdes.String(), Serdes.Long(), v -> v, 8), "count");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "wb");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
      TestInputTopic<String, Long> in =
          driver.createInputTopic("in", new StringSerializer(), Serdes.Long().serializer());
      TestOutputTopic<String, Long> changelog =
          driver.createOutputTopic(
              "wb-counts-changelog", new StringDeserializer(), Serdes.Long().deserializer());

      // The driver commits after each input record.
      in.pipeInput("a", 1L);
      assertThat(changelog.readKeyValuesToList()).containsExactly(KeyValue.pair("a", 3L));
      in.pipeInput("a", 2L);
      in.pipeInput("b", 10L);
      assertThat(changelog.readKeyValuesToList())
          .containsExactly(KeyValue.pair("a", 9L), KeyValue.pair("b", 30L));
      @SuppressWarnings("unchecked")
      WriteBackStore<String, Long> counts =
          (WriteBackStore<String, Long>) driver.getAllStateStores().get("counts");
      assertThat(contents(counts)).containsExactly(Map.entry("a", 9L), Map.entry("b", 30L));
    }
  }

  /**
   * In the production topology, the last changelog record of every hourly row and series total is
   * exactly what the store holds after the commit, so a restore rebuilds what queries saw.
   */
  @Test
  void theProductionStoresChangelogsHoldTheCommittedRows() {
    Instant h = Instant.parse("2026-01-01T11:00:00Z");
    try (TopologyFixture fx = new TopologyFixture(stateDir, Map.of(), 1)) {
      for (int i = 0; i < 60; i++) {
        fx.pipe(
            TopologyFixture.event(
                "e" + i, "t" + (i % 3), "m" + (i % 2), h.plusSeconds(i * 30L), 100 + i, 10 + i));
      }
      checkChangelogMatchesStore(
          fx, StoreNames.USAGE_HOURLY, Codecs.USAGE_KEY, Codecs.HOURLY_VALUE);
      checkChangelogMatchesStore(
          fx, StoreNames.USAGE_TOTALS, Codecs.SERIES_KEY, Codecs.SERIES_TOTALS);
    }
  }

  /** Kafka Streams disables caching on every store when the record cache is 0 bytes. */
  @Test
  void thePipelineRunsWithTheRecordCacheOff() {
    Instant h = Instant.parse("2026-01-01T11:00:00Z");
    try (TopologyFixture fx =
        new TopologyFixture(stateDir, Map.of("statestore.cache.max.bytes", "0"), 1)) {
      fx.pipe(TopologyFixture.event("e1", "t", "m", h, 100, 10));
      fx.pipe(TopologyFixture.event("e1", "t", "m", h, 100, 10));
      fx.pipe(TopologyFixture.event("e2", "t", "m", h.plusSeconds(1), 7, 3));
      List<HourlyUsage> rows =
          fx.queries.hourly("t", h.toEpochMilli(), h.toEpochMilli() + 3_600_000L);
      assertThat(rows).hasSize(1);
      assertThat(rows.get(0).counters().inputTokens()).isEqualTo(107);
      assertThat(rows.get(0).counters().outputTokens()).isEqualTo(13);
      assertThat(fx.queries.outcomes())
          .containsEntry(Outcome.ACCEPTED, 2L)
          .containsEntry(Outcome.DUPLICATE, 1L);
    }
  }

  private static <K, V> void checkChangelogMatchesStore(
      TopologyFixture fx, String storeName, Serde<K> keys, Serde<V> values) {
    String topic =
        fx.driver.producedTopicNames().stream()
            .filter(t -> t.endsWith("-" + storeName + "-changelog"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no changelog of " + storeName));
    TestOutputTopic<byte[], byte[]> changelog =
        fx.driver.createOutputTopic(
            topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    Map<Bytes, byte[]> last = new HashMap<>();
    List<KeyValue<byte[], byte[]>> records = changelog.readKeyValuesToList();
    for (KeyValue<byte[], byte[]> kv : records) {
      last.put(Bytes.wrap(kv.key), kv.value);
    }
    @SuppressWarnings("unchecked")
    WriteBackStore<K, V> store =
        (WriteBackStore<K, V>) fx.driver.getAllStateStores().get(storeName);
    Map<Bytes, byte[]> stored = new HashMap<>();
    try (KeyValueIterator<K, V> it = store.all()) {
      it.forEachRemaining(
          kv -> {
            byte[] key = keys.serializer().serialize(topic, kv.key);
            stored.put(Bytes.wrap(key), values.serializer().serialize(topic, kv.value));
            assertThat(keys.deserializer().deserialize(topic, key)).isEqualTo(kv.key);
          });
    }
    // Three tenants by two models, all in one hour.
    assertThat(stored).hasSize(6);
    assertThat(last.keySet()).isEqualTo(stored.keySet());
    stored.forEach(
        (k, v) -> assertThat(last.get(k)).as("last changelog value of %s", k).isEqualTo(v));
  }
}
