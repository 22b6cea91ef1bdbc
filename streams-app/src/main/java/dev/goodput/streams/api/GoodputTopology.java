package dev.goodput.streams.api;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.internal.AccountingProcessor;
import dev.goodput.streams.internal.Codecs;
import dev.goodput.streams.internal.ParseProcessor;
import dev.goodput.streams.internal.Parsed;
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

  private GoodputTopology() {}

  /**
   * The topology: parse and validate each record (rejects go to the dead-letter topic), repartition
   * valid events by tenant, and add each to its tenant's hourly usage and running totals. Every
   * record's outcome is counted in a state store, in the same transaction as its effects.
   */
  public static Topology build(StreamsAppConfig config) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(store(StoreNames.OUTCOMES_INGRESS, Serdes.String(), Serdes.Long()));
    builder.addStateStore(store(StoreNames.OUTCOMES_ACCOUNTING, Serdes.String(), Serdes.Long()));
    builder.addStateStore(store(StoreNames.USAGE_HOURLY, Codecs.USAGE_KEY, Codecs.USAGE_COUNTERS));
    builder.addStateStore(store(StoreNames.USAGE_TOTALS, Codecs.SERIES_KEY, Codecs.USAGE_COUNTERS));

    Map<String, KStream<byte[], Parsed>> routes =
        builder.stream(Topics.REQUESTS.name(), Topics.REQUESTS.consumed("read-requests"))
            .process(ParseProcessor::new, Named.as("parse"), StoreNames.OUTCOMES_INGRESS)
            .split(Named.as("route-"))
            .branch((key, parsed) -> parsed.isRejected(), Branched.as("rejected"))
            .defaultBranch(Branched.as("valid"));

    routes
        .get("route-rejected")
        .mapValues(Parsed::rejectedBytes, Named.as("original-bytes"))
        .to(Topics.DEAD_LETTERS.name(), Topics.DEAD_LETTERS.produced("write-dead-letters"));

    // Whatever the producer keyed by, all of a tenant's events must meet in one task: its hourly
    // rows are then local to one instance, and a tenant's query goes to one place.
    routes
        .get("route-valid")
        .map(
            (key, parsed) -> KeyValue.pair(parsed.event().tenant(), parsed.event()),
            Named.as("key-by-tenant"))
        .repartition(
            Repartitioned.<String, InferenceEvent>with(Serdes.String(), Codecs.EVENT)
                .withName("by-tenant"))
        .process(
            AccountingProcessor::new,
            Named.as("account"),
            StoreNames.USAGE_HOURLY,
            StoreNames.USAGE_TOTALS,
            StoreNames.OUTCOMES_ACCOUNTING);

    Properties topologyProps = new Properties();
    topologyProps.putAll(requiredStreamsProperties());
    return builder.build(topologyProps);
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
