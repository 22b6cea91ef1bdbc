package dev.goodput.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The dedup store's lookups of a batch of new ids: one {@code get} per id (as the pipeline looks
 * them up now, one per event) against one {@code multiGet} for the batch, on a store with the dedup
 * store's filter and memtable settings holding two million ids in files and memtables (the 16 MiB
 * memtables the store had when docs/BENCHMARKS.md measured this; it has 64 MiB ones now, which
 * would hold most of these ids).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DedupLookupBenchmark {

  /** Ids looked up at once. */
  @Param({"512"})
  public int batch;

  /** Ids in the store. */
  @Param({"2000000"})
  public int stored;

  private Path dir;
  private RocksDB db;
  private Options options;
  private BloomFilter filter;
  private ReadOptions readOptions;
  private ColumnFamilyHandle family;
  private final byte[] value = new byte[Long.BYTES];
  private List<byte[][]> lookups;
  private int next;

  @Setup
  public void setUp() throws IOException, RocksDBException {
    RocksDB.loadLibrary();
    dir = Files.createTempDirectory("dedup-lookup");
    filter = new BloomFilter(10, false);
    BlockBasedTableConfig table = new BlockBasedTableConfig();
    table.setFilterPolicy(filter);
    table.setWholeKeyFiltering(true);
    options = new Options();
    options.setCreateIfMissing(true);
    options.setWriteBufferSize(16L << 20);
    options.setMaxWriteBufferNumber(3);
    options.setTableFormatConfig(table);
    options.setMemtablePrefixBloomSizeRatio(0.1);
    options.setMemtableWholeKeyFiltering(true);
    options.setCompressionType(CompressionType.NO_COMPRESSION);
    db = RocksDB.open(options, dir.toString());
    family = db.getDefaultColumnFamily();
    readOptions = new ReadOptions();
    SplittableRandom random = new SplittableRandom(42);
    try (WriteOptions write = new WriteOptions()) {
      write.setDisableWAL(true);
      for (int done = 0; done < stored; ) {
        try (WriteBatch b = new WriteBatch()) {
          for (int i = 0; i < 4096 && done < stored; i++, done++) {
            b.put(key(random, done), ByteBuffer.allocate(8).putLong(done).array());
          }
          db.write(write, b);
        }
      }
    }
    // New ids, as nearly every lookup is: batches of them, used in turn.
    lookups = new ArrayList<>();
    for (int b = 0; b < 64; b++) {
      byte[][] keys = new byte[batch][];
      for (int i = 0; i < batch; i++) {
        keys[i] = key(random, stored + b * batch + i);
      }
      lookups.add(keys);
    }
  }

  /** An id of a tenant of 1,000, as the pipeline keys it. */
  private static byte[] key(SplittableRandom random, int sequence) {
    return DedupKeys.of(1 + random.nextInt(1000), sequence);
  }

  @TearDown
  public void tearDown() throws IOException {
    readOptions.close();
    db.close();
    options.close();
    filter.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private byte[][] nextBatch() {
    next = (next + 1) % lookups.size();
    return lookups.get(next);
  }

  /** Now: one get per id. */
  @Benchmark
  public int getEach() throws RocksDBException {
    int found = 0;
    for (byte[] key : nextBatch()) {
      if (db.get(family, readOptions, key, value) != RocksDB.NOT_FOUND) {
        found++;
      }
    }
    return found;
  }

  /** One multiGet for the batch. */
  @Benchmark
  public int multiGet() throws RocksDBException {
    byte[][] keys = nextBatch();
    List<byte[]> values =
        db.multiGetAsList(
            readOptions, Collections.nCopies(keys.length, family), Arrays.asList(keys));
    int found = 0;
    for (byte[] v : values) {
      if (v != null) {
        found++;
      }
    }
    return found;
  }
}
