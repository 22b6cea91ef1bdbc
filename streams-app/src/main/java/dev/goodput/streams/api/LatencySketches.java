package dev.goodput.streams.api;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.BinEncodingMode;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.Flag;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.encoding.Output;
import com.datadoghq.sketch.ddsketch.encoding.VarEncodingHelper;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.BinAcceptor;
import com.datadoghq.sketch.ddsketch.store.PaginatedStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Mergeable distributions (DDSketch) of TTFT, TPOT and end-to-end latency of {@code ok} requests,
 * in milliseconds. A quantile read from them is within {@value #RELATIVE_ACCURACY} relative error
 * of a sample at that rank, whatever the order and grouping in which samples and sketches were
 * combined. TPOT only counts requests with at least two output tokens. Mutable; not thread-safe.
 */
public final class LatencySketches {

  /** Relative accuracy of every quantile: half the contract's 1%, leaving margin. */
  public static final double RELATIVE_ACCURACY = 0.005;

  private final DDSketch ttft;
  private final DDSketch tpot;
  private final DDSketch e2e;

  private LatencySketches(DDSketch ttft, DDSketch tpot, DDSketch e2e) {
    this.ttft = ttft;
    this.tpot = tpot;
    this.e2e = e2e;
  }

  public static LatencySketches empty() {
    return new LatencySketches(sketch(), sketch(), sketch());
  }

  private static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);

  /**
   * The least latency counted as itself, in milliseconds (1 µs): a positive one under it counts as
   * this, and 0 as 0.
   */
  static final double MIN_MS = 1e-3;

  /**
   * The greatest latency counted as itself, in milliseconds (about 11.6 days): more counts as it.
   */
  static final double MAX_MS = 1e9;

  /**
   * Bins are held in pages of 32 (sketches-java's {@link PaginatedStore}), allocated where samples
   * fall: a row with a few requests holds a page per distinct latency, about 270 bytes each, where
   * a dense store held every bin between its least and greatest sample (a few KiB for a spread of a
   * few seconds). A busy row's samples fill the pages of its range, as a dense store would. The
   * bounds on the latencies bound the store: 1 µs to 10^9 ms is about 2,800 bins at 0.5%, 88 pages
   * (24 KiB) at most, however the samples fall.
   */
  static DDSketch sketch() {
    return new DDSketch(MAPPING, PaginatedStore::new);
  }

  private static double bounded(double ms) {
    return ms == 0 ? 0 : Math.min(MAX_MS, Math.max(MIN_MS, ms));
  }

  /** Adds one accepted request; only {@code ok} ones have latencies that count. */
  public void add(InferenceEvent e, double tpotMs) {
    if (e.status() != Status.OK) {
      return;
    }
    if (e.ttftMs() != null) {
      ttft.accept(bounded(e.ttftMs()));
    }
    if (e.outputTokens() >= 2) {
      tpot.accept(bounded(tpotMs));
    }
    if (e.e2eMs() != null) {
      e2e.accept(bounded(e.e2eMs()));
    }
  }

  /** An independent copy. */
  public LatencySketches copy() {
    return new LatencySketches(ttft.copy(), tpot.copy(), e2e.copy());
  }

  /** Adds every sample of {@code other} to this. */
  public void merge(LatencySketches other) {
    mergeBinByBin(ttft, other.ttft);
    mergeBinByBin(tpot, other.tpot);
    mergeBinByBin(e2e, other.e2e);
  }

  /**
   * Adds {@code from}'s bins to {@code into} one by one, through sketches-java's own encoding. Its
   * {@code PaginatedStore.mergeWith(PaginatedStore)} (0.8.3) indexes past the end of a page for
   * some layouts of the two stores ({@code ArrayIndexOutOfBoundsException}, found by {@code
   * LatencySketchesTest}); decoding adds each bin with {@code add}, which is sound. Merges serve
   * queries over days and months only, never the processing of an event.
   */
  private static void mergeBinByBin(DDSketch into, DDSketch from) {
    if (from.isEmpty()) {
      return;
    }
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(128);
    try {
      from.encode(out, false);
      into.decodeAndMergeWith(ByteArrayInput.wrap(out.backingArray(), 0, out.numWrittenBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Percentiles ttft() {
    return percentiles(ttft);
  }

  public Percentiles tpot() {
    return percentiles(tpot);
  }

  public Percentiles e2e() {
    return percentiles(e2e);
  }

  private static Percentiles percentiles(DDSketch s) {
    if (s.isEmpty()) {
      return Percentiles.NONE;
    }
    double[] q = s.getValuesAtQuantiles(new double[] {0.5, 0.9, 0.95, 0.99});
    return new Percentiles(q[0], q[1], q[2], q[3]);
  }

  /**
   * The encoded form: three length-prefixed DDSketch encodings (sketches-java's own format).
   *
   * <p>Each is encoded as sketches-java encodes a sketch of dense stores ({@link #encodeAsDense}):
   * a {@link PaginatedStore} writes every bin of its pages, empty ones between samples included,
   * where a dense store writes the smaller of that and its non-empty bins alone. For the rows of a
   * few requests, most rows, that made the stored sketches a fifth larger (190 more bytes per
   * series on disk at 10,000 series).
   */
  public byte[] toBytes() {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(128);
    try {
      for (DDSketch s : new DDSketch[] {ttft, tpot, e2e}) {
        int lengthAt = out.numWrittenBytes();
        out.writeLongLE(0);
        encodeAsDense(s, out);
        int length = out.numWrittenBytes() - lengthAt - Long.BYTES;
        ByteBuffer.wrap(out.backingArray(), lengthAt, Long.BYTES).putLong(length);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.trimmedCopy();
  }

  /**
   * Writes the bytes {@code DDSketch.encode(out, false)} writes for a copy of {@code s} whose
   * stores are dense ({@link UnboundedSizeDenseStore}), without making the copy: copying the bins
   * into a dense store was two thirds of encoding a row (docs/BENCHMARKS.md). The format
   * (sketches-java 0.8.3): the index mapping; the zero count, if any, as a flag and a
   * variable-length double; then each store, positive and negative, if not empty, as a dense store
   * writes itself: contiguous counts from its least to its greatest non-empty bin, or the non-empty
   * bins as index deltas and counts, whichever is smaller by its own count of the bytes (the
   * deltas' count left out). {@code LatencySketchesTest} checks it against the copy, byte for byte.
   */
  static void encodeAsDense(DDSketch s, Output out) throws IOException {
    Bins positive = Bins.of(s.getPositiveValueStore(), POSITIVE_BINS.get());
    Bins negative = Bins.of(s.getNegativeValueStore(), NEGATIVE_BINS.get());
    // Counts are whole numbers, exact as doubles: the difference is the zero count, exactly.
    double zeroCount = s.getCount() - positive.total - negative.total;
    MAPPING.encode(out);
    if (zeroCount != 0) {
      Flag.ZERO_COUNT.encode(out);
      VarEncodingHelper.encodeVarDouble(out, zeroCount);
    }
    positive.encode(out, Flag.Type.POSITIVE_STORE);
    negative.encode(out, Flag.Type.NEGATIVE_STORE);
  }

  private static final ThreadLocal<Bins> POSITIVE_BINS = ThreadLocal.withInitial(Bins::new);
  private static final ThreadLocal<Bins> NEGATIVE_BINS = ThreadLocal.withInitial(Bins::new);

  /** The non-empty bins of a store in ascending order; reused by one thread. */
  private static final class Bins implements BinAcceptor {
    private int[] indexes = new int[64];
    private double[] counts = new double[64];
    private int size;
    private double total;

    static Bins of(Store store, Bins bins) {
      bins.size = 0;
      bins.total = 0;
      store.forEach(bins);
      return bins;
    }

    @Override
    public void accept(int index, double count) {
      if (count == 0) {
        return;
      }
      if (size == indexes.length) {
        indexes = Arrays.copyOf(indexes, size * 2);
        counts = Arrays.copyOf(counts, size * 2);
      }
      indexes[size] = index;
      counts[size] = count;
      size++;
      total += count;
    }

    /** As {@code DenseStore.encode} writes a store holding these bins. */
    void encode(Output out, Flag.Type type) throws IOException {
      if (size == 0) {
        return;
      }
      int min = indexes[0];
      long bins = (long) indexes[size - 1] - min + 1;
      long denseBytes =
          VarEncodingHelper.unsignedVarLongEncodedLength(bins)
              + VarEncodingHelper.signedVarLongEncodedLength(min)
              + VarEncodingHelper.signedVarLongEncodedLength(1)
              + (bins - size) * VarEncodingHelper.varDoubleEncodedLength(0);
      long sparseBytes = 0;
      long previous = 0;
      for (int i = 0; i < size; i++) {
        int countBytes = VarEncodingHelper.varDoubleEncodedLength(counts[i]);
        denseBytes += countBytes;
        sparseBytes += VarEncodingHelper.signedVarLongEncodedLength(indexes[i] - previous);
        sparseBytes += countBytes;
        previous = indexes[i];
      }
      if (denseBytes <= sparseBytes) {
        BinEncodingMode.CONTIGUOUS_COUNTS.toFlag(type).encode(out);
        VarEncodingHelper.encodeUnsignedVarLong(out, bins);
        VarEncodingHelper.encodeSignedVarLong(out, min);
        VarEncodingHelper.encodeSignedVarLong(out, 1);
        int next = 0;
        for (long index = min; index < min + bins; index++) {
          if (indexes[next] == index) {
            VarEncodingHelper.encodeVarDouble(out, counts[next++]);
          } else {
            VarEncodingHelper.encodeVarDouble(out, 0);
          }
        }
      } else {
        BinEncodingMode.INDEX_DELTAS_AND_COUNTS.toFlag(type).encode(out);
        VarEncodingHelper.encodeUnsignedVarLong(out, size);
        previous = 0;
        for (int i = 0; i < size; i++) {
          VarEncodingHelper.encodeSignedVarLong(out, indexes[i] - previous);
          VarEncodingHelper.encodeVarDouble(out, counts[i]);
          previous = indexes[i];
        }
      }
    }
  }

  /** Reads what {@link #toBytes} wrote, from {@code buf}'s position on. */
  public static LatencySketches fromBytes(ByteBuffer buf) {
    return new LatencySketches(read(buf), read(buf), read(buf));
  }

  private static DDSketch read(ByteBuffer buf) {
    int length = (int) buf.getLong();
    try {
      DDSketch s =
          DDSketch.decode(
              ByteArrayInput.wrap(buf.array(), buf.arrayOffset() + buf.position(), length),
              PaginatedStore::new);
      buf.position(buf.position() + length);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt latency sketch", e);
    }
  }
}
