package dev.goodput.streams.api;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.streams.internal.CatalogView;
import dev.goodput.streams.internal.HourlyValue;
import java.util.ArrayList;
import java.util.Collection;
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
 * NotReadyException} while the stores cannot be read, never a partial answer. As a {@link
 * UsageSource} it answers from local state alone, which is the whole answer only when this is the
 * only instance; {@link ClusterUsage} answers for a group of instances.
 */
public final class UsageQueries implements UsageSource {

  /** Access to a read-only key-value store by name. */
  @FunctionalInterface
  public interface StoreAccess {
    /** The store over every partition this instance owns. */
    <K, V> ReadOnlyKeyValueStore<K, V> keyValueStore(String name);

    /**
     * The store of one partition, which this instance must own as an active, running task. The
     * default serves a topology with a single partition (the test driver).
     *
     * @throws InvalidStateStoreException if this instance does not own the partition right now
     */
    default <K, V> ReadOnlyKeyValueStore<K, V> keyValueStore(String name, int partition) {
      if (partition != 0) {
        throw new InvalidStateStoreException("only partition 0 exists here, not " + partition);
      }
      return keyValueStore(name);
    }
  }

  private final StoreAccess stores;
  private CatalogView catalog;

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

          @Override
          public <K, V> ReadOnlyKeyValueStore<K, V> keyValueStore(String name, int partition) {
            // Active tasks only (stale stores are off): a standby or restoring copy throws.
            return streams.store(
                StoreQueryParameters.fromNameAndType(
                        name, QueryableStoreTypes.<K, V>keyValueStore())
                    .withPartition(partition));
          }
        });
  }

  @Override
  public List<HourlyUsage> hourly(String tenant, long fromMs, long toMs, String authorization) {
    return hourly(tenant, fromMs, toMs);
  }

  @Override
  public List<HourlyUsage> hourlyAllTenants(long fromMs, long toMs, String authorization) {
    return hourlyAllTenants(fromMs, toMs);
  }

  /** A tenant's hourly rows with hour start in {@code [fromMs, toMs)}, sorted by hour and model. */
  public List<HourlyUsage> hourly(String tenant, long fromMs, long toMs) {
    return read(
        () -> tenantRows(stores.keyValueStore(StoreNames.USAGE_HOURLY), tenant, fromMs, toMs));
  }

  /**
   * A tenant's hourly rows from one partition, which must be the tenant's and owned here.
   *
   * @throws NotReadyException if this instance does not own the partition as a running task
   */
  public List<HourlyUsage> hourly(String tenant, long fromMs, long toMs, int partition) {
    return read(
        () ->
            tenantRows(
                stores.keyValueStore(StoreNames.USAGE_HOURLY, partition), tenant, fromMs, toMs));
  }

  private static List<HourlyUsage> tenantRows(
      ReadOnlyKeyValueStore<UsageKey, HourlyValue> store, String tenant, long fromMs, long toMs) {
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
  }

  /**
   * Every tenant's hourly rows with hour start in {@code [fromMs, toMs)}, sorted by tenant, hour
   * and model. Scans the whole store: for the all-tenants report, not for a tenant's query.
   */
  public List<HourlyUsage> hourlyAllTenants(long fromMs, long toMs) {
    return read(() -> allRows(stores.keyValueStore(StoreNames.USAGE_HOURLY), fromMs, toMs));
  }

  /**
   * Every tenant's hourly rows of the given partitions, all of which must be owned here, sorted by
   * tenant, hour and model.
   *
   * @throws NotReadyException if this instance does not own one of them as a running task
   */
  public List<HourlyUsage> hourlyAllTenants(
      long fromMs, long toMs, Collection<Integer> partitions) {
    return read(
        () -> {
          List<HourlyUsage> out = new ArrayList<>();
          for (int p : partitions) {
            out.addAll(allRows(stores.keyValueStore(StoreNames.USAGE_HOURLY, p), fromMs, toMs));
          }
          out.sort(HourlyUsage.ORDER);
          return out;
        });
  }

  private static List<HourlyUsage> allRows(
      ReadOnlyKeyValueStore<UsageKey, HourlyValue> store, long fromMs, long toMs) {
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

  /** The prices and SLO policies now in the catalog (every instance holds all of it). */
  public synchronized Catalog catalog() {
    return read(
        () -> {
          if (catalog == null) {
            catalog = new CatalogView(stores.keyValueStore(StoreNames.CATALOG));
          } else {
            catalog.refresh();
          }
          return catalog.catalog();
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
