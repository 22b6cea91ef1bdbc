package dev.goodput.streams.api;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.internal.AccountingProcessor;
import dev.goodput.streams.internal.CatalogLoader;
import dev.goodput.streams.internal.Codecs;
import dev.goodput.streams.internal.DedupIdStoreBuilder;
import dev.goodput.streams.internal.DedupIndex;
import dev.goodput.streams.internal.HourlyValue;
import dev.goodput.streams.internal.ParseProcessor;
import dev.goodput.streams.internal.Parsed;
import dev.goodput.streams.internal.WriteBackStoreBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** Builds the Goodput topology; production and tests call the same method. */
public final class GoodputTopology {

  private static final String BY_TENANT = "by-tenant";

  /**
   * Hourly rows kept decoded per task: enough for the rows of the current hours of a task's series
   * (1,000 tenants x 3 models over 6 tasks in the benchmark). A busy row's three sketches hold a
   * few hundred bins each (a few KB in all); at their 2,048-bin cap a row is about 48 KB, so the
   * bound is 48 MB per task, and as much again for the snapshots published to queries of the rows
   * changed since the last commit, outside Kafka's memory budgets (measured: docs/BENCHMARKS.md,
   * memory). A row beyond these is written back early and decoded again when next needed.
   */
  static final int HOURLY_ROWS = 1024;

  /** Series totals kept decoded per task (their histograms are a few hundred bytes). */
  static final int SERIES = 2048;

  /** Outcome counters kept per task: one per outcome label. */
  private static final int OUTCOMES = 16;

  private GoodputTopology() {}

  /**
   * The topology: parse and validate each record (rejects go to the dead-letter topic, events older
   * than the retention to the expired topic), bring every valid event to its tenant's partition,
   * drop duplicates within the dedup window, and add each accepted event, priced and judged by the
   * catalog, to its tenant's hourly usage (with latency sketches) and running totals. Every
   * record's outcome is counted in a state store, in the same transaction as its effects.
   *
   * <p>A record keyed by its tenant (as the contract recommends) is read from its tenant's
   * partition and accounted in the same task, without a hop through the broker; any other goes
   * through the repartition topic to that partition's task. Both feed one sub-topology, so a
   * tenant's dedup state, rows and queries stay in one place. This variant assumes an input topic
   * of one partition (the topology test driver's).
   */
  public static Topology build(StreamsAppConfig config) {
    return build(config, HistogramEdges.of(Catalog.EMPTY), EventObserver.NONE, 1);
  }

  /**
   * The same topology, with the given histogram edges (the base set and the SLO targets known at
   * start-up); {@code observer} sees every valid event read (for rate metrics); the input topic has
   * {@code partitions} partitions (the repartition topic gets as many).
   */
  public static Topology build(
      StreamsAppConfig config, HistogramEdges edges, EventObserver observer, int partitions) {
    StreamsBuilder builder = new StreamsBuilder();
    // Changed at every event: kept decoded, published to queries as snapshots, written to RocksDB
    // and the changelogs before each commit (WriteBackStore).
    builder.addStateStore(
        new WriteBackStoreBuilder<>(
            StoreNames.OUTCOMES_INGRESS, Serdes.String(), Serdes.Long(), v -> v, OUTCOMES));
    builder.addStateStore(
        new WriteBackStoreBuilder<>(
            StoreNames.OUTCOMES_ACCOUNTING, Serdes.String(), Serdes.Long(), v -> v, OUTCOMES));
    builder.addStateStore(
        new WriteBackStoreBuilder<>(
            StoreNames.USAGE_HOURLY,
            Codecs.USAGE_KEY,
            Codecs.HOURLY_VALUE,
            HourlyValue::copy,
            HOURLY_ROWS));
    builder.addStateStore(
        new WriteBackStoreBuilder<>(
            StoreNames.USAGE_TOTALS,
            Codecs.SERIES_KEY,
            Codecs.SERIES_TOTALS,
            SeriesTotals::copy,
            SERIES));
    builder.addStateStore(store(StoreNames.LEDGER_PENDING, Codecs.USAGE_KEY, Serdes.ByteArray()));
    builder.addStateStore(store(StoreNames.LEDGER_REVISIONS, Codecs.USAGE_KEY, Serdes.Long()));
    Duration dedupWindow = Duration.ofMillis(config.dedupWindowMs());
    builder.addStateStore(new DedupIdStoreBuilder(StoreNames.DEDUP_IDS, config.dedupWindowMs()));
    // The layouts before: read for a window after an upgrade (DedupIndex).
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                StoreNames.DEDUP_BUCKETS,
                Duration.ofMillis(DedupIndex.retentionMs(config.dedupWindowMs())),
                dedupWindow,
                false),
            Serdes.Bytes(),
            Serdes.Long()));
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(StoreNames.DEDUP_LEGACY, dedupWindow, dedupWindow, false),
            Serdes.Bytes(),
            Serdes.Long()));
    // Every instance holds the whole catalog: any event may need any entry.
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.CATALOG),
                Topics.CATALOG.keySerde(),
                Topics.CATALOG.valueSerde())
            .withLoggingDisabled(),
        Topics.CATALOG.name(),
        Topics.CATALOG.consumed("read-catalog"),
        () -> new CatalogLoader(StoreNames.CATALOG));

    long retentionMs = config.retentionMs();
    long publishMs = config.publishIntervalMs();
    Map<String, KStream<byte[], Parsed>> routes =
        builder.stream(Topics.REQUESTS.name(), Topics.REQUESTS.consumed("read-requests"))
            .process(
                () -> new ParseProcessor(retentionMs, observer, partitions, publishMs),
                Named.as("parse"),
                StoreNames.OUTCOMES_INGRESS)
            .split(Named.as("route-"))
            .branch(
                (key, parsed) -> parsed.route() == Parsed.Route.REJECTED, Branched.as("rejected"))
            .branch((key, parsed) -> parsed.route() == Parsed.Route.EXPIRED, Branched.as("expired"))
            .branch(
                (key, parsed) -> parsed.route() == Parsed.Route.VALID_ELSEWHERE,
                Branched.as("elsewhere"))
            .defaultBranch(Branched.as("valid"));

    routes
        .get("route-rejected")
        .mapValues(Parsed::original, Named.as("rejected-original-bytes"))
        .to(Topics.DEAD_LETTERS.name(), Topics.DEAD_LETTERS.produced("write-dead-letters"));
    routes
        .get("route-expired")
        .mapValues(Parsed::original, Named.as("expired-original-bytes"))
        .to(Topics.EXPIRED.name(), Topics.EXPIRED.produced("write-expired"));

    // Whatever the producer keyed by, all of a tenant's events must meet in one task: its dedup
    // state and hourly rows are then local to one instance, and a tenant's query goes to one place.
    KStream<String, InferenceEvent> moved =
        routes
            .get("route-elsewhere")
            .map(GoodputTopology::keyByTenant, Named.as("key-by-tenant"))
            .repartition(
                Repartitioned.<String, InferenceEvent>with(Serdes.String(), Codecs.EVENT)
                    .withName(BY_TENANT)
                    .withNumberOfPartitions(partitions));
    long dedupWindowMs = config.dedupWindowMs();
    routes
        .get("route-valid")
        .map(GoodputTopology::keyByTenant, Named.as("tenant-and-event"))
        .merge(moved, Named.as("on-tenants-partition"))
        .process(
            () ->
                new AccountingProcessor(
                    dedupWindowMs,
                    edges,
                    config.ledgerGraceMs(),
                    config.ledgerIntervalMs(),
                    publishMs),
            Named.as("account"),
            StoreNames.USAGE_HOURLY,
            StoreNames.USAGE_TOTALS,
            StoreNames.DEDUP_IDS,
            StoreNames.DEDUP_BUCKETS,
            StoreNames.DEDUP_LEGACY,
            StoreNames.OUTCOMES_ACCOUNTING,
            StoreNames.LEDGER_PENDING,
            StoreNames.LEDGER_REVISIONS)
        // Closed hours, and new revisions of them after late events, become ledger records.
        .to(Topics.CHARGEBACK.name(), Topics.CHARGEBACK.produced("write-chargeback"));

    Properties topologyProps = new Properties();
    topologyProps.putAll(requiredStreamsProperties());
    return builder.build(topologyProps);
  }

  private static KeyValue<String, InferenceEvent> keyByTenant(byte[] key, Parsed parsed) {
    return KeyValue.pair(parsed.event().tenant(), parsed.event());
  }

  /**
   * The internal topic that carries valid events keyed by tenant; the usage stores have its
   * partitions.
   */
  public static String tenantRepartitionTopic(String applicationId) {
    return applicationId + "-" + BY_TENANT + "-repartition";
  }

  /**
   * Kafka Streams settings the topology depends on, whatever the configuration says: every internal
   * topic and store must be named explicitly, so that a change of the topology can never silently
   * orphan state.
   */
  public static Map<String, Object> requiredStreamsProperties() {
    return Map.of(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
  }

  private static <K, V> StoreBuilder<?> store(String name, Serde<K> keys, Serde<V> values) {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values)
        .withCachingEnabled();
  }
}
