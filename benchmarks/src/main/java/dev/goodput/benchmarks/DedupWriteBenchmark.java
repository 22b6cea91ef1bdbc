package dev.goodput.benchmarks;

import dev.goodput.streams.internal.BytewiseOrder;
import dev.goodput.streams.internal.WriteBatchBytes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
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
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * One batch of the dedup store's writes (a few thousand ids, as the pipeline writes them once they
 * fill 128 KiB): put into RocksDB's order, and turned into a RocksDB write batch. Each pair is the
 * way before and the way now, in one run, so that their ratio holds on a noisy machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DedupWriteBenchmark {

  /** About the ids of one 128 KiB batch of the benchmark's fleet. */
  @Param({"2700"})
  public int ids;

  private static final int TENANTS = 1000;
  private static final double ZIPF_EXPONENT = 0.51;

  private byte[][] keys;
  private long[] times;
  private int[] order;

  @Setup
  public void setUp() {
    RocksDB.loadLibrary();
    // As `goodput bench` keys them: 1,000 tenants with ServeGen's skew (Zipf, s = 0.51), event ids
    // of a run id and a sequence number; taken in the order of the hash map that holds them.
    SplittableRandom random = new SplittableRandom(42);
    double[] cumulative = new double[TENANTS];
    double sum = 0;
    for (int i = 0; i < TENANTS; i++) {
      sum += Math.pow(i + 1, -ZIPF_EXPONENT);
      cumulative[i] = sum;
    }
    long nowMs = System.currentTimeMillis();
    Map<Bytes, Long> pending = new HashMap<>();
    for (int i = 0; pending.size() < ids; i++) {
      int pick = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
      int tenant = pick >= 0 ? pick : -pick - 1;
      byte[] key = DedupKeys.of(tenant + 1, i);
      pending.put(Bytes.wrap(key), nowMs + i);
    }
    keys = new byte[ids][];
    times = new long[ids];
    int i = 0;
    for (Map.Entry<Bytes, Long> e : pending.entrySet()) {
      keys[i] = e.getKey().get();
      times[i] = e.getValue();
      i++;
    }
    order = BytewiseOrder.of(keys);
  }

  /** Before: a comparator sort of the batch's entries. */
  @Benchmark
  public List<byte[]> sortByComparator() {
    List<byte[]> sorted = new ArrayList<>(Arrays.asList(keys));
    sorted.sort(Arrays::compareUnsigned);
    return sorted;
  }

  /** Now: six bytes at a time as primitive longs ({@link BytewiseOrder}). */
  @Benchmark
  public int[] sortPacked() {
    return BytewiseOrder.of(keys);
  }

  /** Before: a JNI call per put, each with its key and an 8-byte value array. */
  @Benchmark
  public long writeBatchPerPut() throws RocksDBException {
    try (WriteBatch batch = new WriteBatch()) {
      for (int k : order) {
        batch.put(keys[k], ByteBuffer.allocate(Long.BYTES).putLong(times[k]).array());
      }
      return batch.getDataSize();
    }
  }

  /** Now: the batch's bytes built in the JVM and handed over in one call. */
  @Benchmark
  public long writeBatchBytes() {
    WriteBatchBytes bytes = new WriteBatchBytes(ids * 48);
    for (int k : order) {
      bytes.put(0, keys[k], 0, keys[k].length, times[k]);
    }
    try (WriteBatch batch = new WriteBatch(bytes.toArray())) {
      return batch.getDataSize();
    }
  }
}
