package dev.goodput.streams.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value store whose busiest values the stream thread keeps decoded, and writes to the logged
 * store beneath it now and then (at each publish and before each commit) instead of at every
 * change.
 *
 * <p>Why: a busy hourly row changes at every event of its series, and encoding it (three latency
 * sketches) and putting it through the record cache at every change cost about half of the stream
 * thread (see docs/BENCHMARKS.md). Here a change only marks the decoded value dirty; the dirty
 * values are encoded and written to the inner store (RocksDB, with its changelog) when the
 * processor publishes, and when Kafka Streams flushes the task's caches, which it does before every
 * commit: under exactly-once, before the transaction that also commits the input offsets. So the
 * changelog and the committed offsets always agree, as with Kafka's own record cache.
 *
 * <p>The hook is Kafka Streams' {@link CachedStateStore}, an internal interface: its record cache
 * implements it, and the state manager calls {@link #flushCache()} on every registered store that
 * implements it before a commit, and {@link #clearCache()} when a task changes between active and
 * standby. In Kafka Streams 4.4 every commit path (the interval, a requested commit, revocation,
 * clean shutdown, recycling) prepares the commit this way, and a clean close refuses a task with
 * uncommitted changes. {@code WriteBackStoreTest} checks that a commit writes the values back to
 * the changelog, so an upgrade of Kafka Streams that changed this would fail the build rather than
 * lose data; the crash-recovery and scale-out integration tests exercise the other paths.
 *
 * <p>Threads: the stream thread owns the decoded values ({@link #read}, {@link #write}); queries
 * from other threads ({@link ReadOnlyKeyValueStore}) read the inner store, so they see the values
 * as of the last write-back. The processors write back on a short wall-clock schedule too (the
 * publish interval), so that what queries see does not wait for the (longer) commit interval.
 *
 * <p>Failure: a task closed dirty (any exception under exactly-once) aborts its transaction and its
 * state is wiped and restored from the changelog; whatever was written back or dropped on the way
 * out, nothing of the uncommitted input survives. At most {@code maxEntries} values are kept; the
 * least recently used is written back early when a new one needs room (harmless: the inner store
 * was written at every change before).
 */
public final class WriteBackStore<K, V>
    implements StateStore, ReadOnlyKeyValueStore<K, V>, CachedStateStore<K, V> {

  private static final class Slot<V> {
    V value;
    boolean dirty;

    Slot(V value, boolean dirty) {
      this.value = value;
      this.dirty = dirty;
    }
  }

  private final KeyValueStore<K, V> inner;
  private final int maxEntries;
  private final LinkedHashMap<K, Slot<V>> slots;
  private int dirtyCount;

  WriteBackStore(KeyValueStore<K, V> inner, int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, not " + maxEntries);
    }
    this.inner = inner;
    this.maxEntries = maxEntries;
    this.slots = new LinkedHashMap<>(Math.min(maxEntries, 1024) * 2, 0.75f, true);
  }

  // --- the stream thread's view ---

  /**
   * The current value of {@code key}, written or not (null when absent). The caller may change the
   * returned value in place, provided it then calls {@link #write} with it (or its successor).
   */
  public V read(K key) {
    Slot<V> slot = slots.get(key);
    if (slot != null) {
      return slot.value;
    }
    V value = inner.get(key);
    if (value != null) {
      makeRoom();
      slots.put(key, new Slot<>(value, false));
    }
    return value;
  }

  /** Sets the value of {@code key}; it reaches the inner store at the next commit at the latest. */
  public void write(K key, V value) {
    if (value == null) {
      throw new IllegalArgumentException("null value for " + key + ": deletes are not supported");
    }
    Slot<V> slot = slots.get(key);
    if (slot == null) {
      makeRoom();
      slots.put(key, new Slot<>(value, true));
      dirtyCount++;
      return;
    }
    slot.value = value;
    if (!slot.dirty) {
      slot.dirty = true;
      dirtyCount++;
    }
  }

  /** Values changed since their last write-back. */
  int dirtyCount() {
    return dirtyCount;
  }

  private void makeRoom() {
    if (slots.size() < maxEntries) {
      return;
    }
    Iterator<Map.Entry<K, Slot<V>>> eldest = slots.entrySet().iterator();
    Map.Entry<K, Slot<V>> e = eldest.next();
    if (e.getValue().dirty) {
      inner.put(e.getKey(), e.getValue().value);
      dirtyCount--;
    }
    eldest.remove();
  }

  /** Writes every dirty value to the inner store (and so to its changelog), in one batch. */
  @Override
  public void flushCache() {
    if (dirtyCount == 0) {
      return;
    }
    List<KeyValue<K, V>> batch = new ArrayList<>(dirtyCount);
    for (Map.Entry<K, Slot<V>> e : slots.entrySet()) {
      Slot<V> slot = e.getValue();
      if (slot.dirty) {
        batch.add(KeyValue.pair(e.getKey(), slot.value));
      }
    }
    inner.putAll(batch);
    for (Slot<V> slot : slots.values()) {
      slot.dirty = false;
    }
    dirtyCount = 0;
  }

  /** Forgets every decoded value, dirty ones included (as Kafka's record cache does). */
  @Override
  public void clearCache() {
    slots.clear();
    dirtyCount = 0;
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<K, V> listener, boolean sendOldValues) {
    return false;
  }

  // --- the state store ---

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    clearCache();
    inner.init(context, root);
  }

  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    inner.commit(changelogOffsets);
  }

  @Override
  public Long committedOffset(TopicPartition partition) {
    return inner.committedOffset(partition);
  }

  @Override
  @SuppressWarnings("deprecation")
  public boolean managesOffsets() {
    return inner.managesOffsets();
  }

  @Override
  public long approximateNumUncommittedBytes() {
    return inner.approximateNumUncommittedBytes();
  }

  @Override
  public Position getPosition() {
    return inner.getPosition();
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    return inner.query(query, bound, config);
  }

  /** Closes without writing back: a clean close has committed (and so flushed) before. */
  @Override
  public void close() {
    clearCache();
    inner.close();
  }

  @Override
  public boolean persistent() {
    return inner.persistent();
  }

  @Override
  public boolean isOpen() {
    return inner.isOpen();
  }

  // --- queries from any thread: the inner store, as of the last write-back ---

  @Override
  public V get(K key) {
    return inner.get(key);
  }

  @Override
  public KeyValueIterator<K, V> range(K from, K to) {
    return inner.range(from, to);
  }

  @Override
  public KeyValueIterator<K, V> reverseRange(K from, K to) {
    return inner.reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<K, V> all() {
    return inner.all();
  }

  @Override
  public KeyValueIterator<K, V> reverseAll() {
    return inner.reverseAll();
  }

  @Override
  public <S extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, S serializer) {
    return inner.prefixScan(prefix, serializer);
  }

  @Override
  public long approximateNumEntries() {
    return inner.approximateNumEntries();
  }
}
