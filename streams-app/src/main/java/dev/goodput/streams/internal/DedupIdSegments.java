package dev.goodput.streams.internal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB side of {@link DedupIdStore}: the ids of the committed batches, one column family per
 * time bucket (of the window's length), each id the key and the processing time it was accepted at
 * the value.
 *
 * <p>It is the innermost store of a logged key-value store: what is put into it, and what its
 * changelog holds, is a <em>batch</em> (see {@link DedupBatches}), never an id. A put and the
 * restore of a changelog record do the same thing: every id of the batch goes into its bucket's
 * column family, in one {@link WriteBatch}. A bucket is dropped whole (its column family) once it
 * starts more than two windows before the newest bucket written; ids of an older bucket are not
 * written at all.
 *
 * <p>A lookup reads the bucket of its time, the one before and the one after (see {@link
 * DedupIndex}): at most three point reads, which a whole-key bloom filter over each memtable and
 * over each file of every level answers mostly from memory when the id is new, as nearly all are.
 *
 * <p>Durability: Kafka Streams keeps this store's changelog offset in a checkpoint file, as for any
 * store that does not keep its own, and trusts the store to hold what was written up to it. The
 * write-ahead log is on (not synced at each write), so a killed process loses nothing written.
 * Under exactly-once the file is written only when the store is closed without error (after {@link
 * #close} has flushed the memtables; a failed flush throws, and no file is written); after a crash
 * the task's directory, which holds this database, is wiped and restored from the changelog.
 * Transactional state stores ({@code enable.transactional.statestores}), under which it would not
 * be, are refused at start-up. Under at-least-once the file may be written after a commit, so
 * {@link #commit} then syncs the log, for a crash of the machine too.
 *
 * <p>Threads: the stream thread does everything but {@link #approximateNumEntries}, which may be
 * called from any; the buckets change under the object's lock.
 */
final class DedupIdSegments implements KeyValueStore<Bytes, byte[]> {

  private static final byte[] SINCE = "since".getBytes(StandardCharsets.UTF_8);
  private static final String BUCKET_PREFIX = "bucket-";
  private static final long BLOCK_CACHE_BYTES = 8L << 20;

  /**
   * Four times Kafka Streams' default. Nearly every lookup is of a new id, which every memtable's
   * and every file's filter has to rule out; each flush adds a level-0 file, and merging those into
   * the last level rewrites it (ids are random, so every file overlaps all of it). Fewer, larger
   * flushes: fewer files per lookup and fewer rewrites. Under live traffic in docs/BENCHMARKS.md
   * the lookups cost 0.75-0.96 of parsing instead of 1.14-1.41, and the flush and compaction
   * threads less than half the CPU, in a store a few minutes old. Per task, native: one memtable
   * filling, up to two more while they flush.
   */
  private static final long WRITE_BUFFER_BYTES = 64L << 20;

  private static final long MAX_WAL_BYTES = 128L << 20;

  /**
   * Each memtable's filter, 1.6 MiB as at a tenth of 16 MiB: about 14 bits per id in a full one
   * (some 900,000 ids), a false positive in a few hundred. At a tenth of 64 MiB, pre-loaded runs
   * were slower, the filters of six tasks spread over 38 MiB (docs/BENCHMARKS.md).
   */
  private static final double MEMTABLE_BLOOM_RATIO = 0.025;

  private static final int DEFAULT_FAMILY_ID = 0;

  /** Restored ids are written to RocksDB in batches of about this many bytes. */
  private static final int WRITE_CHUNK_BYTES = 1 << 20;

  private final String name;
  private final long windowMs;
  private final Position position = Position.emptyPosition();

  /** Open column families by bucket start. */
  private final TreeMap<Long, ColumnFamilyHandle> buckets = new TreeMap<>();

  private final byte[] valueBuffer = new byte[Long.BYTES];
  private long newestBucket = Long.MIN_VALUE;

  /** The bucket last written to and its family's id, while the family is open. */
  private long lastBucket = Long.MIN_VALUE;

  private int lastFamilyId = -1;

  private RocksDB db;
  private ColumnFamilyHandle defaultFamily;
  private DBOptions dbOptions;
  private ColumnFamilyOptions familyOptions;
  private LRUCache cache;
  private BloomFilter filter;
  private WriteOptions writeOptions;
  private ReadOptions readOptions;
  private volatile boolean open;
  private boolean syncOnCommit;

  DedupIdSegments(String name, long windowMs) {
    this.name = name;
    this.windowMs = windowMs;
  }

  // --- lookups, from the stream thread ---

  /**
   * Whether {@code id} was accepted within the window of {@code atMs}: at a time {@code s} with
   * {@code |atMs - s| <= window}. Such an {@code s} lies in the bucket of {@code atMs}, the one
   * before or the one after (an instance whose clock is ahead).
   */
  boolean seen(byte[] id, long atMs) {
    long bucket = bucketStart(atMs);
    // The own bucket first: a resend mostly follows its original closely.
    return within(acceptedAt(id, bucket), atMs)
        || within(acceptedAt(id, bucket - windowMs), atMs)
        || within(acceptedAt(id, bucket + windowMs), atMs);
  }

  /** The time {@code id} was accepted at in the bucket starting at {@code bucket}, or null. */
  Long acceptedAt(byte[] id, long bucket) {
    ColumnFamilyHandle family = buckets.get(bucket);
    if (family == null) {
      return null;
    }
    try {
      int size = db.get(family, readOptions, id, valueBuffer);
      return size == RocksDB.NOT_FOUND ? null : ByteBuffer.wrap(valueBuffer).getLong();
    } catch (RocksDBException e) {
      throw new ProcessorStateException("Error reading from store " + name, e);
    }
  }

  private boolean within(Long seenAtMs, long atMs) {
    return DedupIndex.within(seenAtMs, atMs, windowMs);
  }

  /** When this store's first batch was committed (see {@link DedupBatches#since}), or null. */
  Long since() {
    try {
      byte[] value = db.get(defaultFamily, SINCE);
      return value == null ? null : ByteBuffer.wrap(value).getLong();
    } catch (RocksDBException e) {
      throw new ProcessorStateException("Error reading from store " + name, e);
    }
  }

  long bucketStart(long atMs) {
    return DedupIndex.bucketStart(atMs, windowMs);
  }

  // --- writes: a put (then logged) or a restored changelog record ---

  @Override
  public void put(Bytes key, byte[] value) {
    apply(List.of(KeyValue.pair(key.get(), value)));
  }

  @Override
  public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
    List<KeyValue<byte[], byte[]>> raw = new ArrayList<>(entries.size());
    for (KeyValue<Bytes, byte[]> e : entries) {
      raw.add(KeyValue.pair(e.key.get(), e.value));
    }
    apply(raw);
  }

  private void apply(Collection<KeyValue<byte[], byte[]>> records) {
    // A restore hands over up to a poll of records (a thousand of up to 256 KiB): they are written
    // a few at a time, so that the batch's bytes never take more than a few MiB of heap. A restore
    // cut short is done again (under exactly-once the task's state is wiped first).
    WriteBatchBytes batch = null;
    for (KeyValue<byte[], byte[]> record : records) {
      if (batch == null) {
        batch = new WriteBatchBytes(capacityFor(record));
      }
      WriteBatchBytes into = batch;
      DedupBatches.decode(
          record.key,
          record.value,
          (value, offset, length, atMs) -> {
            int family = familyIdFor(bucketStart(atMs));
            if (family >= 0) {
              into.put(family, value, offset, length, atMs);
            }
          },
          sinceMs -> into.put(DEFAULT_FAMILY_ID, SINCE, 0, SINCE.length, sinceMs));
      if (batch.sizeBytes() >= WRITE_CHUNK_BYTES) {
        write(batch);
        batch = null;
      }
    }
    if (batch != null) {
      write(batch);
    }
    dropExpired();
  }

  /**
   * Room for a record's puts: a put takes at most 4 bytes more than the id's entry in the record
   * (10 bytes and the id), for ids under 16 KiB and family ids under 16,384, so ids of 6 bytes and
   * more fit without a regrowth.
   */
  private static int capacityFor(KeyValue<byte[], byte[]> record) {
    int bytes = record.value == null ? 0 : record.value.length;
    return bytes + bytes / 4;
  }

  private void write(WriteBatchBytes batch) {
    if (batch.count() == 0) {
      return;
    }
    try (WriteBatch write = new WriteBatch(batch.toArray())) {
      db.write(writeOptions, write);
    } catch (RocksDBException e) {
      throw new ProcessorStateException("Error writing to store " + name, e);
    }
  }

  /**
   * The id of the bucket's column family, created if need be; -1 when the bucket is already
   * expired. The last one is kept: a batch's ids are mostly of one bucket.
   */
  private int familyIdFor(long bucket) {
    if (bucket == lastBucket) {
      return lastFamilyId;
    }
    ColumnFamilyHandle family = familyFor(bucket);
    if (family == null) {
      return -1;
    }
    lastBucket = bucket;
    lastFamilyId = family.getID();
    return lastFamilyId;
  }

  /** The bucket's column family, created if need be; null when the bucket is already expired. */
  private ColumnFamilyHandle familyFor(long bucket) {
    ColumnFamilyHandle family = buckets.get(bucket);
    if (family != null) {
      return family;
    }
    if (expired(bucket, Math.max(newestBucket, bucket))) {
      return null;
    }
    try {
      family = db.createColumnFamily(new ColumnFamilyDescriptor(familyName(bucket), familyOptions));
    } catch (RocksDBException e) {
      throw new ProcessorStateException("Error creating a bucket of store " + name, e);
    }
    synchronized (this) {
      buckets.put(bucket, family);
    }
    advanceNewest(bucket);
    return family;
  }

  /**
   * Takes {@code bucket} into the newest bucket, from which older ones expire; a bucket of a clock
   * more than a window ahead of this one counts as the bucket after now's, so that its ids are kept
   * but the current ones do not expire.
   */
  private void advanceNewest(long bucket) {
    long latest = bucketStart(System.currentTimeMillis()) + windowMs;
    newestBucket = Math.max(newestBucket, Math.min(bucket, latest));
  }

  private boolean expired(long bucket, long newest) {
    return bucket < newest - 2 * windowMs;
  }

  private synchronized void dropExpired() {
    Iterator<Map.Entry<Long, ColumnFamilyHandle>> it = buckets.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, ColumnFamilyHandle> e = it.next();
      if (!expired(e.getKey(), newestBucket)) {
        return;
      }
      try {
        db.dropColumnFamily(e.getValue());
      } catch (RocksDBException ex) {
        throw new ProcessorStateException("Error dropping a bucket of store " + name, ex);
      }
      if (e.getKey() == lastBucket) {
        lastBucket = Long.MIN_VALUE;
      }
      e.getValue().close();
      it.remove();
    }
  }

  private static byte[] familyName(long bucket) {
    return (BUCKET_PREFIX + bucket).getBytes(StandardCharsets.UTF_8);
  }

  // --- the state store ---

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    if (Boolean.parseBoolean(
        String.valueOf(
            context.appConfigs().get(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)))) {
      // Then a task closed dirty under exactly-once is not wiped, and this store, which is not
      // transactional, would keep ids of records that are processed again.
      throw new ConfigException(
          StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG,
          true,
          "not supported with Goodput's dedup store " + name + ": leave it unset or false");
    }
    File dir = new File(new File(context.stateDir(), "goodput"), name);
    try {
      Files.createDirectories(dir.toPath());
    } catch (IOException e) {
      throw new ProcessorStateException("Cannot create the directory of store " + name, e);
    }
    openDb(dir);
    syncOnCommit =
        !StreamsConfig.EXACTLY_ONCE_V2.equals(
            context.appConfigs().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    context.register(
        root,
        (BatchingStateRestoreCallback)
            records -> {
              if (!records.isEmpty()) {
                apply(records);
              }
            });
    open = true;
  }

  private void openDb(File dir) {
    RocksDB.loadLibrary();
    buckets.clear();
    newestBucket = Long.MIN_VALUE;
    lastBucket = Long.MIN_VALUE;
    filter = new BloomFilter(10, false);
    cache = new LRUCache(BLOCK_CACHE_BYTES);
    BlockBasedTableConfig table = new BlockBasedTableConfig();
    table.setFilterPolicy(filter);
    table.setBlockCache(cache);
    table.setWholeKeyFiltering(true);
    try (Options options = new Options()) {
      options.setCreateIfMissing(true);
      options.setCreateMissingColumnFamilies(true);
      options.setWriteBufferSize(WRITE_BUFFER_BYTES);
      options.setMaxWriteBufferNumber(3);
      // The bucket and default families flush at different paces: without a cap the log would
      // keep every write since the oldest unflushed one (up to 3 GiB here). At the cap RocksDB
      // flushes the families whose writes the oldest log holds, mostly the default one (a single
      // key): a bucket's memtable flushes when full.
      options.setMaxTotalWalSize(MAX_WAL_BYTES);
      options.setTableFormatConfig(table);
      // Nearly every lookup is of a new id: a miss, which these filters answer without a search,
      // in the memtables and in every level's files alike.
      options.setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO);
      options.setMemtableWholeKeyFiltering(true);
      options.setOptimizeFiltersForHits(false);
      // No compression at the flush (snappy was a quarter of the flush thread's CPU, on the cores
      // the pipeline runs on); LZ4 where compactions leave the ids for good.
      options.setCompressionType(CompressionType.NO_COMPRESSION);
      options.setBottommostCompressionType(CompressionType.LZ4_COMPRESSION);
      dbOptions = new DBOptions(options);
      familyOptions = new ColumnFamilyOptions(options);
    }
    writeOptions = new WriteOptions();
    readOptions = new ReadOptions();
    String path = dir.getAbsolutePath();
    try {
      List<byte[]> names;
      try (Options listing = new Options()) {
        names = RocksDB.listColumnFamilies(listing, path);
      }
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
      List<Long> starts = new ArrayList<>();
      for (byte[] n : names) {
        String s = new String(n, StandardCharsets.UTF_8);
        if (s.startsWith(BUCKET_PREFIX)) {
          descriptors.add(new ColumnFamilyDescriptor(n, familyOptions));
          starts.add(Long.parseLong(s.substring(BUCKET_PREFIX.length())));
        }
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      db = RocksDB.open(dbOptions, path, descriptors, handles);
      defaultFamily = handles.get(0);
      for (int i = 0; i < starts.size(); i++) {
        buckets.put(starts.get(i), handles.get(i + 1));
        advanceNewest(starts.get(i));
      }
    } catch (RocksDBException e) {
      releaseNatives();
      throw new ProcessorStateException("Error opening store " + name + " at " + path, e);
    }
  }

  /** Under at-least-once, syncs the write-ahead log: what was written survives any crash. */
  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    if (!open || !syncOnCommit) {
      return;
    }
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw new ProcessorStateException("Error syncing the log of store " + name, e);
    }
  }

  @Override
  public synchronized void close() {
    if (!open) {
      return;
    }
    open = false;
    RocksDBException failed = null;
    try (FlushOptions wait = new FlushOptions().setWaitForFlush(true)) {
      List<ColumnFamilyHandle> all = new ArrayList<>(buckets.values());
      all.add(defaultFamily);
      db.flush(wait, all);
    } catch (RocksDBException e) {
      failed = e;
    }
    buckets.values().forEach(ColumnFamilyHandle::close);
    buckets.clear();
    defaultFamily.close();
    db.close();
    releaseNatives();
    if (failed != null) {
      // Thrown, so that Kafka Streams writes no checkpoint claiming what may not be on disk.
      throw new ProcessorStateException("Error flushing store " + name + " on close", failed);
    }
  }

  private void releaseNatives() {
    writeOptions.close();
    readOptions.close();
    familyOptions.close();
    dbOptions.close();
    cache.close();
    filter.close();
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public Position getPosition() {
    return position;
  }

  // --- not a key-value store to read: lookups go through acceptedAt ---

  @Override
  public byte[] get(Bytes key) {
    throw notReadable();
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    throw notReadable();
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    throw notReadable();
  }

  /** The ids written (not those still in {@link DedupIdStore}'s memory), estimated by RocksDB. */
  @Override
  public synchronized long approximateNumEntries() {
    if (!open) {
      return 0;
    }
    long total = 0;
    try {
      for (ColumnFamilyHandle family : buckets.values()) {
        total += db.getLongProperty(family, "rocksdb.estimate-num-keys");
      }
    } catch (RocksDBException e) {
      throw new ProcessorStateException("Error reading the size of store " + name, e);
    }
    return total;
  }

  @Override
  public byte[] putIfAbsent(Bytes key, byte[] value) {
    throw new UnsupportedOperationException(name + " takes batches of ids, with put");
  }

  @Override
  public byte[] delete(Bytes key) {
    throw new UnsupportedOperationException(name + " drops ids by bucket, not one by one");
  }

  private UnsupportedOperationException notReadable() {
    return new UnsupportedOperationException(
        name + " holds batches of event ids; look them up through DedupIdStore.seen");
  }
}
