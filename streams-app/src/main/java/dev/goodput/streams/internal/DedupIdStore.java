package dev.goodput.streams.internal;

import java.util.HashMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The event ids a task accepted within the dedup window: the latest few thousand in memory, the
 * others in RocksDB ({@link DedupIdSegments}), written a few thousand at a time.
 *
 * <p>Why: every event id is new, so storing each one as it is accepted (a RocksDB put, a skip-list
 * insert at a random place of a memtable, and a changelog record, each through Kafka Streams' store
 * layers) was a third of the stream threads' CPU (docs/BENCHMARKS.md). Here {@link #add} puts the
 * id into a hash map; once the ids there fill half a changelog record ({@link #WRITE_BYTES}, a few
 * thousand ids), and before every commit, when Kafka Streams flushes the task's caches ({@link
 * #flushCache}, the hook {@link WriteBackStore} uses too), they go as one changelog record ({@link
 * DedupBatches}) through the logged store beneath, which writes the record to the changelog and its
 * ids to RocksDB in one batch. Under exactly-once that is within the transaction that also commits
 * the input offsets, so the changelog and the committed offsets agree.
 *
 * <p>Failure: a task closed dirty drops the ids in memory with the rest of its uncommitted work,
 * its state is wiped and restored from the changelog, and the records after the last commit are
 * processed again. A clean close has committed before.
 */
public final class DedupIdStore extends CacheOverStore<Bytes, byte[]> {

  private final KeyValueStore<Bytes, byte[]> logged;
  private final DedupIdSegments segments;
  private final long windowMs;

  /**
   * How many bytes of ids are written at once during processing: one changelog record each (an id
   * takes at most 64 KiB), and a few thousand ids for each RocksDB write.
   */
  static final int WRITE_BYTES = DedupBatches.MAX_RECORD_BYTES / 2;

  /** The ids accepted and not yet written, with the processing time each was accepted at. */
  private HashMap<Bytes, Long> pending = new HashMap<>();

  private int pendingBytes;

  private Long sinceToWrite;
  private long sequence;

  DedupIdStore(KeyValueStore<Bytes, byte[]> logged, DedupIdSegments segments, long windowMs) {
    super(logged);
    this.logged = logged;
    this.segments = segments;
    this.windowMs = windowMs;
  }

  /**
   * Whether {@code id} was accepted within the window of {@code atMs}: at a time {@code s} with
   * {@code |atMs - s| <= window}. Such an {@code s} lies in the bucket of {@code atMs}, the one
   * before or the one after (an instance whose clock is ahead).
   */
  public boolean seen(Bytes id, long atMs) {
    if (DedupIndex.within(pending.get(id), atMs, windowMs)) {
      return true;
    }
    return segments.seen(id.get(), atMs);
  }

  /**
   * Records {@code id} as accepted at {@code atMs}; written with the ids before it once they fill
   * half a changelog record, or at the next commit. Must be called while processing a record: it
   * may write to the logged store.
   */
  public void add(Bytes id, long atMs) {
    pending.put(id, atMs);
    pendingBytes += DedupBatches.entryBytes(id.get().length);
    if (pendingBytes >= WRITE_BYTES) {
      writePending();
    }
  }

  /** When this store was first used, as {@link #markSince} last set it, or null if never. */
  public Long since() {
    return sinceToWrite != null ? sinceToWrite : segments.since();
  }

  /** Sets {@link #since}; written at the next commit. */
  public void markSince(long sinceMs) {
    sinceToWrite = sinceMs;
  }

  /** Writes the ids not yet written, and the since time if set, to the store. */
  @Override
  public void flushCache() {
    if (sinceToWrite != null) {
      var since = DedupBatches.since(sinceToWrite);
      logged.put(since.key, since.value);
      sinceToWrite = null;
    }
    if (!pending.isEmpty()) {
      writePending();
    }
  }

  private void writePending() {
    var records = DedupBatches.ids(pending, sequence);
    sequence += records.size();
    logged.putAll(records);
    // A new map rather than clear(), which keeps the table of the largest batch for good; sized
    // for as many ids as this batch, so that a busy task's map does not grow by doubling each time.
    pending = new HashMap<>((int) (pending.size() / 0.75f) + 1);
    pendingBytes = 0;
  }

  /** Forgets the ids not yet written (as Kafka's record cache forgets its dirty entries). */
  @Override
  public void clearCache() {
    pending.clear();
    pendingBytes = 0;
    sinceToWrite = null;
  }

  // --- the state store (the rest is CacheOverStore's) ---

  @Override
  public void init(StateStoreContext context, StateStore root) {
    // Only for reading the changelog: the first record of this run's batches.
    sequence = System.currentTimeMillis();
    super.init(context, root);
  }

  /** Not queryable: lookups go through {@link #seen}. */
  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    return QueryResult.forUnknownQueryType(query, this);
  }
}
