package dev.goodput.streams.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value store whose busiest values the stream thread keeps decoded, publishes to queries as
 * in-memory snapshots now and then, and writes to the logged store beneath it only before each
 * commit (or when it needs the room), instead of at every change.
 *
 * <p>Why: a busy hourly row changes at every event of its series, and encoding it (three latency
 * sketches) at every change, or even at every publish, cost a quarter to a half of the stream
 * thread (see docs/BENCHMARKS.md). Here a change only marks the decoded value changed. The
 * processor {@linkplain #publish() publishes} on a short wall-clock schedule: each value changed
 * since the last publish is copied (a few array copies, no encoding) into a map that queries read
 * before the inner store. Before every commit, Kafka Streams flushes the task's caches: the values
 * changed since the last commit are then encoded and written, in one batch, to the inner store
 * (RocksDB, with its changelog), under exactly-once before the transaction that also commits the
 * input offsets, so the changelog and the committed offsets always agree, as with Kafka's own
 * record cache; and their snapshots are dropped, the inner store now holding them or newer.
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
 * <p>Threads: the stream thread owns the decoded values ({@link #read}, {@link #write}, {@link
 * #entry}, {@link #set}, {@link #publish}). Queries from other threads ({@link
 * ReadOnlyKeyValueStore}) see the published snapshots over the inner store, so each value as of the
 * last publish or newer; a snapshot is never changed once published, and readers must not change
 * what they are given. Each query reads the snapshots before the inner store, and the stream thread
 * writes a value to the inner store before dropping its snapshot, so no query sees a value older
 * than one published before it started. The IQv2 {@link #query} reads the inner store only: values
 * as of the last commit.
 *
 * <p>Failure: a task closed dirty (any exception under exactly-once) aborts its transaction and its
 * state is wiped and restored from the changelog; the decoded values and snapshots are dropped, so
 * nothing of the uncommitted input survives. At most {@code maxEntries} values are kept; the least
 * recently used is written to the inner store early when a new one needs room.
 */
public final class WriteBackStore<K, V> extends CacheOverStore<K, V>
    implements ReadOnlyKeyValueStore<K, V> {

  /**
   * A kept value's place. A caller that changes the same value at every event finds it once with
   * {@link #entry} and then reads and {@linkplain #set sets} it without a lookup, as long as it is
   * {@link #live()}: the store drops an entry when it needs the room for another key or forgets its
   * values ({@link #clearCache}), and the caller then asks {@link #entry} again.
   */
  public static final class Entry<V> {
    V value;

    /** Changed since the last publish. */
    boolean unpublished;

    /** Changed since it was last written to the inner store. */
    boolean unwritten;

    /** The key's bytes, once published (the snapshots' key). */
    Bytes keyBytes;

    boolean live = true;

    Entry(V value, boolean changed) {
      this.value = value;
      this.unpublished = changed;
      this.unwritten = changed;
    }

    /** The current value, published or not; null when the key has none or when dropped. */
    public V value() {
      return value;
    }

    /** Whether the store still keeps this entry (else {@link #set} refuses it). */
    public boolean live() {
      return live;
    }

    /**
     * No longer kept: the value is let go, so that a caller still holding the entry does not keep
     * it in memory (a row's sketches are kilobytes).
     */
    void drop() {
      live = false;
      value = null;
      keyBytes = null;
    }
  }

  private final KeyValueStore<K, V> inner;
  private final Serializer<K> keySerializer;
  private final UnaryOperator<V> snapshot;
  private final int maxEntries;
  private final LinkedHashMap<K, Entry<V>> slots;
  private int unwrittenCount;

  /** The keys {@link #publish} found changed, reused between publishes. */
  private final List<K> changed = new ArrayList<>();

  /**
   * Snapshots of the values published and not yet written, by key bytes (the inner order). A hash
   * map, sorted only by the (rare) queries that iterate: the stream thread puts into it at every
   * publish.
   */
  private final ConcurrentHashMap<Bytes, KeyValue<K, V>> published = new ConcurrentHashMap<>();

  /**
   * @param keySerializer the inner store's key serializer: the snapshots are ordered by its bytes,
   *     as RocksDB orders the keys (it must not depend on the topic it is given)
   * @param snapshot a deep copy of a value, which the stream thread will not change again
   */
  WriteBackStore(
      KeyValueStore<K, V> inner,
      Serializer<K> keySerializer,
      UnaryOperator<V> snapshot,
      int maxEntries) {
    super(inner);
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, not " + maxEntries);
    }
    this.inner = inner;
    this.keySerializer = keySerializer;
    this.snapshot = snapshot;
    this.maxEntries = maxEntries;
    this.slots = new LinkedHashMap<>(Math.min(maxEntries, 1024) * 2, 0.75f, true);
  }

  // --- the stream thread's view ---

  /**
   * The current value of {@code key}, published or not (null when absent). The caller may change
   * the returned value in place, provided it then calls {@link #write} with it (or its successor).
   */
  public V read(K key) {
    Entry<V> slot = slots.get(key);
    if (slot == null) {
      V value = inner.get(key);
      if (value == null) {
        return null;
      }
      makeRoom();
      slot = new Entry<>(value, false);
      slots.put(key, slot);
    }
    return slot.value;
  }

  /**
   * Sets the value of {@code key}; queries see it from the next publish, and it reaches the inner
   * store at the next commit at the latest.
   */
  public void write(K key, V value) {
    if (value == null) {
      throw new IllegalArgumentException("null value for " + key + ": deletes are not supported");
    }
    Entry<V> slot = slots.get(key);
    if (slot == null) {
      makeRoom();
      slots.put(key, new Entry<>(value, true));
      unwrittenCount++;
      return;
    }
    change(slot, value);
  }

  /**
   * The entry of {@code key}, loaded from the inner store if it is not kept; kept from now on even
   * when the key has no value yet (its {@link Entry#value()} is then null), until it is dropped for
   * the room or the cache cleared.
   */
  public Entry<V> entry(K key) {
    Entry<V> slot = slots.get(key);
    if (slot == null) {
      V value = inner.get(key);
      makeRoom();
      slot = new Entry<>(value, false);
      slots.put(key, slot);
    }
    return slot;
  }

  /** {@code held} while it is live, else the entry of {@code key} found again. */
  public Entry<V> entry(K key, Entry<V> held) {
    return held != null && held.live ? held : entry(key);
  }

  /**
   * Sets the value of a live entry, as {@link #write} does for its key.
   *
   * @throws IllegalStateException when the entry is no longer kept
   */
  public void set(Entry<V> entry, V value) {
    if (!entry.live) {
      throw new IllegalStateException(
          "entry of store " + name() + " no longer kept: find it again with entry(key)");
    }
    if (value == null) {
      throw new IllegalArgumentException("null value: deletes are not supported");
    }
    change(entry, value);
  }

  private void change(Entry<V> slot, V value) {
    slot.value = value;
    slot.unpublished = true;
    if (!slot.unwritten) {
      slot.unwritten = true;
      unwrittenCount++;
    }
  }

  /** Values changed since they were last written to the inner store. */
  int dirtyCount() {
    return unwrittenCount;
  }

  /** Snapshots published and not yet written to the inner store. */
  int publishedCount() {
    return published.size();
  }

  /**
   * Makes every value changed since the last publish visible to queries, as a snapshot. It is not
   * yet committed: a crash before the next commit rolls it back, as it does every effect of the
   * records not yet committed, and those records are processed again.
   */
  public void publish() {
    boolean nearlyFull = slots.size() >= maxEntries - maxEntries / 4;
    for (Map.Entry<K, Entry<V>> e : slots.entrySet()) {
      Entry<V> slot = e.getValue();
      if (slot.unpublished) {
        K key = e.getKey();
        if (slot.keyBytes == null) {
          slot.keyBytes = bytes(key);
        }
        published.put(slot.keyBytes, KeyValue.pair(key, snapshot.apply(slot.value)));
        slot.unpublished = false;
        if (nearlyFull) {
          changed.add(key);
        }
      }
    }
    // Entries changed through set() were not looked up: once room may soon be needed, they become
    // the most recently used here, so that it is made from values no longer changing.
    for (K key : changed) {
      slots.get(key);
    }
    changed.clear();
  }

  private void makeRoom() {
    if (slots.size() < maxEntries) {
      return;
    }
    Iterator<Map.Entry<K, Entry<V>>> eldest = slots.entrySet().iterator();
    Map.Entry<K, Entry<V>> e = eldest.next();
    Entry<V> slot = e.getValue();
    if (slot.unwritten) {
      inner.put(e.getKey(), slot.value);
      unwrittenCount--;
      if (slot.keyBytes != null) {
        published.remove(slot.keyBytes);
      }
    }
    eldest.remove();
    slot.drop();
  }

  /**
   * Writes every value changed since it was last written to the inner store (and so to its
   * changelog), in one batch, then drops their snapshots.
   */
  @Override
  public void flushCache() {
    if (unwrittenCount == 0) {
      return;
    }
    List<KeyValue<K, V>> batch = new ArrayList<>(unwrittenCount);
    for (Map.Entry<K, Entry<V>> e : slots.entrySet()) {
      Entry<V> slot = e.getValue();
      if (slot.unwritten) {
        batch.add(KeyValue.pair(e.getKey(), slot.value));
      }
    }
    inner.putAll(batch);
    unwrittenCount = 0;
    // Only now: a query that misses a snapshot finds the value (or a newer one) in the inner store.
    for (Entry<V> slot : slots.values()) {
      if (slot.unwritten && slot.keyBytes != null) {
        published.remove(slot.keyBytes);
      }
      slot.unwritten = false;
      slot.unpublished = false;
    }
  }

  /**
   * Forgets every decoded value and snapshot, changed ones included (as Kafka's record cache does).
   */
  @Override
  public void clearCache() {
    for (Entry<V> slot : slots.values()) {
      slot.drop();
    }
    slots.clear();
    published.clear();
    unwrittenCount = 0;
  }

  private Bytes bytes(K key) {
    return Bytes.wrap(keySerializer.serialize(null, key));
  }

  // --- queries from any thread: the published snapshots over the inner store ---

  @Override
  public V get(K key) {
    KeyValue<K, V> kv = published.get(bytes(key));
    return kv != null ? kv.value : inner.get(key);
  }

  @Override
  public KeyValueIterator<K, V> range(K from, K to) {
    return ranged(from, to, false);
  }

  @Override
  public KeyValueIterator<K, V> reverseRange(K from, K to) {
    return ranged(from, to, true);
  }

  @Override
  public KeyValueIterator<K, V> all() {
    return new Merged(snapshots(k -> true, false), inner.all(), false);
  }

  @Override
  public KeyValueIterator<K, V> reverseAll() {
    return new Merged(snapshots(k -> true, true), inner.reverseAll(), true);
  }

  @Override
  public <S extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, S serializer) {
    Bytes p = Bytes.wrap(serializer.serialize(null, prefix));
    return new Merged(
        snapshots(k -> startsWith(k, p), false), inner.prefixScan(prefix, serializer), false);
  }

  @Override
  public long approximateNumEntries() {
    return inner.approximateNumEntries();
  }

  private static final Comparator<KeyValue<Bytes, ?>> BY_KEY = (a, b) -> a.key.compareTo(b.key);

  private static boolean startsWith(Bytes b, Bytes prefix) {
    byte[] x = b.get();
    byte[] p = prefix.get();
    return x.length >= p.length && Arrays.equals(x, 0, p.length, p, 0, p.length);
  }

  /** Keys in {@code [from, to]} (null: unbounded), in either direction. */
  private KeyValueIterator<K, V> ranged(K from, K to, boolean reverse) {
    Bytes lo = from == null ? null : bytes(from);
    Bytes hi = to == null ? null : bytes(to);
    if (lo != null && hi != null && lo.compareTo(hi) > 0) {
      // Empty, as Kafka Streams answers an inverted range.
      return reverse ? inner.reverseRange(from, to) : inner.range(from, to);
    }
    List<KeyValue<Bytes, KeyValue<K, V>>> s =
        snapshots(
            k -> (lo == null || k.compareTo(lo) >= 0) && (hi == null || k.compareTo(hi) <= 0),
            reverse);
    return new Merged(s, reverse ? inner.reverseRange(from, to) : inner.range(from, to), reverse);
  }

  /** The snapshots whose key bytes {@code in} accepts, copied in key order. */
  private List<KeyValue<Bytes, KeyValue<K, V>>> snapshots(Predicate<Bytes> in, boolean reverse) {
    List<KeyValue<Bytes, KeyValue<K, V>>> out = new ArrayList<>();
    published.forEach(
        (k, v) -> {
          if (in.test(k)) {
            out.add(KeyValue.pair(k, v));
          }
        });
    out.sort(reverse ? BY_KEY.reversed() : BY_KEY);
    return out;
  }

  /**
   * The snapshots merged, in key order, with an iterator of the inner store; a snapshot replaces
   * the inner value of its key. The callers read the snapshots before they open the iterator.
   */
  private final class Merged implements KeyValueIterator<K, V> {
    private final List<KeyValue<Bytes, KeyValue<K, V>>> snapshots;
    private final KeyValueIterator<K, V> stored;
    private final int direction;
    private int next;
    private KeyValue<K, V> pending;

    Merged(
        List<KeyValue<Bytes, KeyValue<K, V>>> snapshots,
        KeyValueIterator<K, V> stored,
        boolean reverse) {
      this.snapshots = snapshots;
      this.stored = stored;
      this.direction = reverse ? -1 : 1;
    }

    @Override
    public boolean hasNext() {
      if (pending != null) {
        return true;
      }
      while (stored.hasNext() || next < snapshots.size()) {
        if (!stored.hasNext()) {
          pending = snapshots.get(next++).value;
          return true;
        }
        if (next == snapshots.size()) {
          pending = stored.next();
          return true;
        }
        KeyValue<Bytes, KeyValue<K, V>> s = snapshots.get(next);
        int order = direction * s.key.compareTo(bytes(stored.peekNextKey()));
        if (order <= 0) {
          next++;
          if (order == 0) {
            stored.next(); // replaced by its snapshot
          }
          pending = s.value;
        } else {
          pending = stored.next();
        }
        return true;
      }
      return false;
    }

    @Override
    public KeyValue<K, V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      KeyValue<K, V> kv = pending;
      pending = null;
      return kv;
    }

    @Override
    public K peekNextKey() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return pending.key;
    }

    @Override
    public void close() {
      stored.close();
    }
  }
}
