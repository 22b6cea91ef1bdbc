package dev.goodput.streams.internal;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The event ids a task accepted within the dedup window, looked up with point reads.
 *
 * <p>The ids are kept in a {@link DedupIdStore}: by the time bucket (of the window's length) of the
 * processing time they were accepted at, the latest few thousand in memory. An id accepted at
 * {@code t} is a duplicate of one accepted at {@code s} when {@code |t - s| <= window}; such an
 * {@code s} lies in {@code t}'s bucket, the one before or the one after (an instance whose clock is
 * ahead), so a lookup is a hash-map lookup and at most three point reads. Ids are kept for two
 * windows after their bucket's start at least (see {@link #retentionMs}).
 *
 * <p>Two earlier layouts are read for a window after an upgrade from them, each until a time of its
 * own. The one before ({@code buckets}) held each id in a window store under its bucket's start,
 * with the time as the value: point reads, but a RocksDB put and a changelog record per id. It is
 * read until a window (and a minute) after the id store's first use, which the id store keeps
 * ({@link DedupIdStore#since}), if it held ids then. The first ({@code legacy}) held ids under the
 * time they were accepted, looked up with a range read over its segments; it is read until a window
 * after its first event under the version of the {@code buckets} layout, a time kept in it under
 * the empty key (no id is empty), so a restart does not extend it; a task with nothing there is
 * marked too, as never to read it (see {@link #start}). Each time a task starts, putting a marker
 * again into each of the two window stores moves their time forward, so their segments older than
 * their retention are dropped.
 */
public final class DedupIndex {

  /** The marker key of both window stores: no id is empty (it holds at least a tenant). */
  static final Bytes MARKER = Bytes.wrap(new byte[0]);

  /** Margin for instances whose clocks differ a little. */
  private static final long CLOCK_MARGIN_MS = 60_000L;

  private final DedupIdStore ids;
  private final WindowStore<Bytes, Long> buckets;
  private final WindowStore<Bytes, Long> legacy;
  private final long windowMs;
  private long bucketsUntilMs = Long.MIN_VALUE;
  private long legacyUntilMs = Long.MIN_VALUE;
  private boolean started;

  /**
   * @param ids the ids accepted by this version
   * @param buckets ids by bucket start, values the processing time accepted at (the layout before)
   * @param legacy ids by the processing time accepted at, values the event time (the first layout)
   * @param windowMs the dedup window
   */
  DedupIndex(
      DedupIdStore ids,
      WindowStore<Bytes, Long> buckets,
      WindowStore<Bytes, Long> legacy,
      long windowMs) {
    this.ids = ids;
    this.buckets = buckets;
    this.legacy = legacy;
    this.windowMs = windowMs;
  }

  /** The retention the id stores need for a dedup window of {@code windowMs}. */
  public static long retentionMs(long windowMs) {
    return 2 * windowMs + 1;
  }

  /**
   * Whether {@code id} was accepted within the window of {@code atMs}. Starts the index if it has
   * not started, and so must come from processing a record (see {@link #start}).
   */
  boolean seen(Bytes id, long atMs) {
    start(atMs);
    return ids.seen(id, atMs)
        || (atMs <= bucketsUntilMs && seenInBuckets(id, atMs))
        || (atMs <= legacyUntilMs && seenInLegacy(id, atMs));
  }

  /** Records {@code id} as accepted at {@code atMs}. */
  void add(Bytes id, long atMs) {
    ids.add(id, atMs);
  }

  /**
   * Starts the index at {@code nowMs} unless it has started: decides whether the earlier layouts
   * must be read, writes a marker in both window stores and the id store's first use. Called by the
   * first lookup, and from a punctuation soon after the task starts so that a task without records
   * is marked too. Must run with a record context (processing or punctuating): it writes to logged
   * stores.
   *
   * <p>Why both window stores always hold a marker: Kafka Streams 4.4 keeps a window store's
   * committed changelog offset in its segments, so a window store without any has none, and under
   * exactly-once a task with such a store beside non-empty ones is taken for corrupted at each
   * start: its whole state wiped and restored from the changelogs. The markers' key is empty, which
   * no id is; a segment dropped for its age always leaves a newer one, the one whose put dropped
   * it.
   */
  void start(long nowMs) {
    if (started) {
      return;
    }
    started = true;
    Long marked = latestMarker();
    if (marked != null) {
      legacyUntilMs = marked;
    } else if (hasIds(legacy)) {
      legacyUntilMs = nowMs + windowMs + CLOCK_MARGIN_MS;
    }
    // Long.MIN_VALUE when there is nothing to read: never.
    legacy.put(MARKER, legacyUntilMs, nowMs);
    // Before looking for ids: the put drops the segments past their retention.
    buckets.put(MARKER, nowMs, bucketStart(nowMs));
    Long since = ids.since();
    long firstUse = since != null ? since : nowMs;
    // Written again at each start, so that its changelog record outlives the ids' retention.
    ids.markSince(firstUse);
    long bucketsUntil = firstUse + windowMs + CLOCK_MARGIN_MS;
    if (nowMs <= bucketsUntil && hasIds(buckets)) {
      bucketsUntilMs = bucketsUntil;
    }
  }

  private Long latestMarker() {
    try (WindowStoreIterator<Long> it = legacy.backwardFetch(MARKER, 0L, Long.MAX_VALUE)) {
      return it.hasNext() ? it.next().value : null;
    }
  }

  private static boolean hasIds(WindowStore<Bytes, Long> store) {
    try (KeyValueIterator<Windowed<Bytes>, Long> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<Windowed<Bytes>, Long> next = it.next();
        if (next.key.key().get().length > 0) {
          return true;
        }
      }
      return false;
    }
  }

  private boolean seenInBuckets(Bytes id, long atMs) {
    long bucket = bucketStart(atMs);
    return within(buckets.fetch(id, bucket), atMs)
        || within(buckets.fetch(id, bucket - windowMs), atMs)
        || within(buckets.fetch(id, bucket + windowMs), atMs);
  }

  private boolean seenInLegacy(Bytes id, long atMs) {
    try (WindowStoreIterator<Long> it = legacy.fetch(id, atMs - windowMs, atMs + windowMs)) {
      return it.hasNext();
    }
  }

  private boolean within(Long seenAtMs, long atMs) {
    return within(seenAtMs, atMs, windowMs);
  }

  private long bucketStart(long atMs) {
    return bucketStart(atMs, windowMs);
  }

  /**
   * Whether an id accepted at {@code seenAtMs} (null: never) is a duplicate of one at {@code atMs}.
   */
  static boolean within(Long seenAtMs, long atMs, long windowMs) {
    return seenAtMs != null && Math.abs(atMs - seenAtMs) <= windowMs;
  }

  /** The start of the window-long bucket {@code atMs} lies in. */
  static long bucketStart(long atMs, long windowMs) {
    return Math.floorDiv(atMs, windowMs) * windowMs;
  }
}
