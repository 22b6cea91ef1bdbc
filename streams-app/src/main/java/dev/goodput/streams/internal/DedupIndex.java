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
 * <p>An id is stored under the start of its time bucket (of the window's length) of the processing
 * time it was accepted at, with that time as the value. An id accepted at {@code t} is a duplicate
 * of one accepted at {@code s} when {@code |t - s| <= window}; such an {@code s} lies in {@code
 * t}'s bucket, the one before or the one after (an instance whose clock is ahead), so a lookup is
 * at most three point reads, which RocksDB's bloom filters answer mostly from memory when the id is
 * new. The bucket after has no segment unless a clock ran ahead, and then costs nothing. Retention
 * is two windows and a millisecond, so the bucket before stays readable while any id in it can
 * still match, even after an id was put in the bucket after.
 *
 * <p>Before this store, ids were kept in a window store ({@code legacy}) under the time they were
 * accepted, looked up with a range read over its segments: a RocksDB iterator per segment, whose
 * cost grows with the store. A task with ids in that store (a pipeline upgraded from that version)
 * also looks there, with the old range read, for events seen until a window after its first event
 * under this version; the time is kept in the legacy store under the empty key (no id is empty), so
 * a restart does not extend it; a task with nothing there is marked too, as never to read it (see
 * {@link #start}). Each time a task starts, putting the marker again moves the legacy store's time
 * forward, so its segments older than a window are dropped.
 */
public final class DedupIndex {

  /** The marker key of both stores: no id is empty (it holds at least a tenant). */
  static final Bytes MARKER = Bytes.wrap(new byte[0]);

  private final WindowStore<Bytes, Long> buckets;
  private final WindowStore<Bytes, Long> legacy;
  private final long windowMs;
  private long legacyUntilMs = Long.MIN_VALUE;
  private boolean started;

  /**
   * @param buckets ids by bucket start, values the processing time accepted at (retention {@link
   *     #retentionMs})
   * @param legacy ids by the processing time accepted at, values the event time (the old layout)
   * @param windowMs the dedup window
   */
  DedupIndex(WindowStore<Bytes, Long> buckets, WindowStore<Bytes, Long> legacy, long windowMs) {
    this.buckets = buckets;
    this.legacy = legacy;
    this.windowMs = windowMs;
  }

  /** The retention the bucket store needs for a dedup window of {@code windowMs}. */
  public static long retentionMs(long windowMs) {
    return 2 * windowMs + 1;
  }

  /**
   * Whether {@code id} was accepted within the window of {@code atMs}. Starts the index if it has
   * not started, and so must come from processing a record (see {@link #start}).
   */
  boolean seen(Bytes id, long atMs) {
    start(atMs);
    long bucket = bucketStart(atMs);
    // The own bucket first: a resend mostly follows its original closely.
    return within(buckets.fetch(id, bucket), atMs)
        || within(buckets.fetch(id, bucket - windowMs), atMs)
        || within(buckets.fetch(id, bucket + windowMs), atMs)
        || (atMs <= legacyUntilMs && seenInLegacy(id, atMs));
  }

  /** Records {@code id} as accepted at {@code atMs}. */
  void add(Bytes id, long atMs) {
    buckets.put(id, atMs, bucketStart(atMs));
  }

  /**
   * Starts the index at {@code nowMs} unless it has started: decides whether the legacy store must
   * be read, and writes a marker in both stores. Called by the first lookup, and from a punctuation
   * soon after the task starts so that a task without records is marked too. Must run with a record
   * context (processing or punctuating): it writes to logged stores.
   *
   * <p>Why both stores always hold a marker: Kafka Streams 4.4 keeps a window store's committed
   * changelog offset in its segments, so a window store without any has none, and under
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
    } else if (legacyHasIds()) {
      // A minute of margin for instances whose clocks differ a little.
      legacyUntilMs = nowMs + windowMs + 60_000L;
    }
    // Long.MIN_VALUE when there is nothing to read: never.
    legacy.put(MARKER, legacyUntilMs, nowMs);
    buckets.put(MARKER, nowMs, bucketStart(nowMs));
  }

  private Long latestMarker() {
    try (WindowStoreIterator<Long> it = legacy.backwardFetch(MARKER, 0L, Long.MAX_VALUE)) {
      return it.hasNext() ? it.next().value : null;
    }
  }

  private boolean legacyHasIds() {
    try (KeyValueIterator<Windowed<Bytes>, Long> it = legacy.all()) {
      while (it.hasNext()) {
        KeyValue<Windowed<Bytes>, Long> next = it.next();
        if (next.key.key().get().length > 0) {
          return true;
        }
      }
      return false;
    }
  }

  private boolean seenInLegacy(Bytes id, long atMs) {
    try (WindowStoreIterator<Long> it = legacy.fetch(id, atMs - windowMs, atMs + windowMs)) {
      return it.hasNext();
    }
  }

  private boolean within(Long seenAtMs, long atMs) {
    return seenAtMs != null && Math.abs(atMs - seenAtMs) <= windowMs;
  }

  private long bucketStart(long atMs) {
    return Math.floorDiv(atMs, windowMs) * windowMs;
  }
}
