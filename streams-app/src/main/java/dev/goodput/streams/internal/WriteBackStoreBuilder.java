package dev.goodput.streams.internal;

import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a {@link WriteBackStore} over a persistent, logged key-value store without a record cache
 * (the write-back store is the cache). Logging can be configured as for any store; a record cache
 * cannot be added.
 */
public final class WriteBackStoreBuilder<K, V> implements StoreBuilder<WriteBackStore<K, V>> {

  private final StoreBuilder<KeyValueStore<K, V>> inner;
  private final Serde<K> keys;
  private final UnaryOperator<V> snapshot;
  private final int maxEntries;

  /**
   * @param snapshot a deep copy of a value (the identity for an immutable one): what queries see of
   *     a published value while the stream thread goes on changing its own
   * @param maxEntries how many values the stream thread keeps decoded
   */
  public WriteBackStoreBuilder(
      String name, Serde<K> keys, Serde<V> values, UnaryOperator<V> snapshot, int maxEntries) {
    this.inner =
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values)
            .withCachingDisabled();
    this.keys = keys;
    this.snapshot = snapshot;
    this.maxEntries = maxEntries;
  }

  /** Not supported: the write-back store caches itself. */
  @Override
  public StoreBuilder<WriteBackStore<K, V>> withCachingEnabled() {
    throw new UnsupportedOperationException(name() + " is a write-back store: it caches itself");
  }

  /**
   * Does nothing: there is no record cache under the write-back store. (Kafka Streams calls this on
   * every store when {@code statestore.cache.max.bytes} is 0.)
   */
  @Override
  public StoreBuilder<WriteBackStore<K, V>> withCachingDisabled() {
    return this;
  }

  @Override
  public StoreBuilder<WriteBackStore<K, V>> withLoggingEnabled(Map<String, String> config) {
    inner.withLoggingEnabled(config);
    return this;
  }

  @Override
  public StoreBuilder<WriteBackStore<K, V>> withLoggingDisabled() {
    inner.withLoggingDisabled();
    return this;
  }

  @Override
  public WriteBackStore<K, V> build() {
    return new WriteBackStore<>(inner.build(), keys.serializer(), snapshot, maxEntries);
  }

  @Override
  public Map<String, String> logConfig() {
    return inner.logConfig();
  }

  @Override
  public boolean loggingEnabled() {
    return inner.loggingEnabled();
  }

  @Override
  public String name() {
    return inner.name();
  }
}
