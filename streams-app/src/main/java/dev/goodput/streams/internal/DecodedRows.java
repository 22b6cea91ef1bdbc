package dev.goodput.streams.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The decoded values a processor last read from or wrote to its store, most recently used first, so
 * that a busy row is decoded once rather than at every event. Writes still go through to the store
 * (which stays the only source of truth: its bytes are what the changelog and the queries see);
 * this only saves the decoding of what the processor wrote itself. The processor clears it whenever
 * its view of the store may have changed under it: at init (a task (re)started, possibly after
 * restoring or as a former standby), at close, and after any failure while processing. Bounded by
 * entries; used by the stream thread only.
 */
final class DecodedRows<K, V> {

  private final Map<K, V> rows;

  DecodedRows(int maxEntries) {
    this.rows =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > maxEntries;
          }
        };
  }

  /** The decoded value of {@code key}: kept, or read with {@code load} (null when absent). */
  V get(K key, Function<K, V> load) {
    V v = rows.get(key);
    if (v == null) {
      v = load.apply(key);
      if (v != null) {
        rows.put(key, v);
      }
    }
    return v;
  }

  /** Keeps {@code value}, which the caller has just written to the store under {@code key}. */
  void written(K key, V value) {
    rows.put(key, value);
  }

  void clear() {
    rows.clear();
  }
}
