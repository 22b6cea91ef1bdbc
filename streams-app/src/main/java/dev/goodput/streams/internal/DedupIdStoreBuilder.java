package dev.goodput.streams.internal;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a {@link DedupIdStore}: its {@link DedupIdSegments} under Kafka Streams' metered and
 * change-logging layers, without a record cache (the store is its own). The changelog is deleted by
 * age ({@link DedupBatches}), keeping its records a day longer than their ids are kept, in segments
 * of a window (an hour at least).
 */
public final class DedupIdStoreBuilder implements StoreBuilder<DedupIdStore> {

  private static final long HOUR_MS = 3_600_000L;
  private static final long DAY_MS = 24 * HOUR_MS;

  private final String name;
  private final long windowMs;
  private final Map<String, String> logConfig = new HashMap<>();
  private boolean logging = true;

  /**
   * @param windowMs the dedup window: ids are kept in buckets of this length, for two windows after
   *     their bucket's start at least
   */
  public DedupIdStoreBuilder(String name, long windowMs) {
    this.name = name;
    this.windowMs = windowMs;
    logConfig.put("cleanup.policy", "delete");
    logConfig.put("retention.ms", Long.toString(DedupIndex.retentionMs(windowMs) + DAY_MS));
    // Segments roll at least hourly, at most once a window: a log deleted by age keeps its active
    // segment (Kafka's default: a week) whatever its age, and a restore reads all it keeps.
    logConfig.put("segment.ms", Long.toString(Math.max(windowMs, HOUR_MS)));
  }

  /** Not supported: the store caches the ids of the current commit itself. */
  @Override
  public StoreBuilder<DedupIdStore> withCachingEnabled() {
    throw new UnsupportedOperationException(name + " caches itself");
  }

  /** Does nothing: there is no record cache under this store. */
  @Override
  public StoreBuilder<DedupIdStore> withCachingDisabled() {
    return this;
  }

  @Override
  public StoreBuilder<DedupIdStore> withLoggingEnabled(Map<String, String> config) {
    String policy = config.get("cleanup.policy");
    if (policy != null && !policy.equals("delete")) {
      // Compaction could drop a batch whose key a later one reuses: the keys are not unique.
      throw new IllegalArgumentException(
          name
              + "'s changelog holds batches of ids and must be deleted by age: cleanup.policy"
              + " delete, not "
              + policy);
    }
    logging = true;
    logConfig.putAll(config);
    return this;
  }

  @Override
  public StoreBuilder<DedupIdStore> withLoggingDisabled() {
    logging = false;
    return this;
  }

  @Override
  public DedupIdStore build() {
    DedupIdSegments segments = new DedupIdSegments(name, windowMs);
    KeyValueBytesStoreSupplier supplier =
        new KeyValueBytesStoreSupplier() {
          @Override
          public String name() {
            return name;
          }

          @Override
          public KeyValueStore<Bytes, byte[]> get() {
            return segments;
          }

          @Override
          public String metricsScope() {
            return "goodput-dedup";
          }
        };
    StoreBuilder<KeyValueStore<Bytes, byte[]>> logged =
        Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled();
    if (logging) {
      logged.withLoggingEnabled(logConfig);
    } else {
      logged.withLoggingDisabled();
    }
    return new DedupIdStore(logged.build(), segments, windowMs);
  }

  @Override
  public Map<String, String> logConfig() {
    return logging ? Map.copyOf(logConfig) : Map.of();
  }

  @Override
  public boolean loggingEnabled() {
    return logging;
  }

  @Override
  public String name() {
    return name;
  }
}
