package dev.goodput.streams.api;

import dev.goodput.streams.internal.HourlyValue;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads the usage and outcome stores of this instance (the partitions it owns). Throws {@link
 * NotReadyException} while the stores cannot be read, never a partial answer.
 */
public final class UsageQueries {

  /** Access to a read-only key-value store by name. */
  @FunctionalInterface
  public interface StoreAccess {
    <K, V> ReadOnlyKeyValueStore<K, V> keyValueStore(String name);
  }

  private final StoreAccess stores;

  public UsageQueries(StoreAccess stores) {
    this.stores = stores;
  }

  /** Queries over the active local stores of a running Kafka Streams instance. */
  public static UsageQueries of(KafkaStreams streams) {
    return new UsageQueries(
        new StoreAccess() {
          @Override
          public <K, V> ReadOnlyKeyValueStore<K, V> keyValueStore(String name) {
            return streams.store(
                StoreQueryParameters.fromNameAndType(
                    name, QueryableStoreTypes.<K, V>keyValueStore()));
          }
        });
  }

  /** A tenant's hourly rows with hour start in {@code [fromMs, toMs)}, sorted by hour and model. */
  public List<HourlyUsage> hourly(String tenant, long fromMs, long toMs) {
    return read(
        () -> {
          ReadOnlyKeyValueStore<UsageKey, HourlyValue> store =
              stores.keyValueStore(StoreNames.USAGE_HOURLY);
          List<HourlyUsage> out = new ArrayList<>();
          // Keys sort by tenant, then hour; a key with an empty model is the start of its hour.
          try (KeyValueIterator<UsageKey, HourlyValue> it =
              store.range(new UsageKey(tenant, fromMs, ""), new UsageKey(tenant, toMs, ""))) {
            while (it.hasNext()) {
              KeyValue<UsageKey, HourlyValue> kv = it.next();
              if (kv.key.hourStartMs() < toMs) {
                out.add(new HourlyUsage(kv.key, kv.value.counters(), kv.value.sketches()));
              }
            }
          }
          return out;
        });
  }

  /**
   * Every tenant's hourly rows with hour start in {@code [fromMs, toMs)}, sorted by tenant, hour
   * and model. Scans the whole store: for the all-tenants report, not for a tenant's query.
   */
  public List<HourlyUsage> hourlyAllTenants(long fromMs, long toMs) {
    return read(
        () -> {
          ReadOnlyKeyValueStore<UsageKey, HourlyValue> store =
              stores.keyValueStore(StoreNames.USAGE_HOURLY);
          List<HourlyUsage> out = new ArrayList<>();
          try (KeyValueIterator<UsageKey, HourlyValue> it = store.all()) {
            while (it.hasNext()) {
              KeyValue<UsageKey, HourlyValue> kv = it.next();
              if (kv.key.hourStartMs() >= fromMs && kv.key.hourStartMs() < toMs) {
                out.add(new HourlyUsage(kv.key, kv.value.counters(), kv.value.sketches()));
              }
            }
          }
          return out;
        });
  }

  /** Running totals of every tenant and model owned here. */
  public Map<SeriesKey, SeriesTotals> totals() {
    return read(
        () -> {
          ReadOnlyKeyValueStore<SeriesKey, SeriesTotals> store =
              stores.keyValueStore(StoreNames.USAGE_TOTALS);
          Map<SeriesKey, SeriesTotals> out = new LinkedHashMap<>();
          try (KeyValueIterator<SeriesKey, SeriesTotals> it = store.all()) {
            it.forEachRemaining(kv -> out.put(kv.key, kv.value));
          }
          return out;
        });
  }

  /** The count of every outcome decided by the partitions owned here. */
  public Map<Outcome, Long> outcomes() {
    return read(
        () -> {
          Map<Outcome, Long> out = new EnumMap<>(Outcome.class);
          for (Outcome o : Outcome.values()) {
            out.put(o, 0L);
          }
          for (String name : List.of(StoreNames.OUTCOMES_INGRESS, StoreNames.OUTCOMES_ACCOUNTING)) {
            ReadOnlyKeyValueStore<String, Long> store = stores.keyValueStore(name);
            try (KeyValueIterator<String, Long> it = store.all()) {
              it.forEachRemaining(kv -> out.merge(Outcome.fromLabel(kv.key), kv.value, Long::sum));
            }
          }
          return out;
        });
  }

  private interface Read<T> {
    T get();
  }

  private static <T> T read(Read<T> read) {
    try {
      return read.get();
    } catch (InvalidStateStoreException e) {
      throw new NotReadyException(
          "state is not queryable right now (starting, restoring or rebalancing); retry shortly",
          e);
    }
  }
}
