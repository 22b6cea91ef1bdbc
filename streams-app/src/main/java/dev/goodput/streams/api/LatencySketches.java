package dev.goodput.streams.api;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.PaginatedStore;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

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
  private static DDSketch sketch() {
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
   * <p>Each is encoded from a dense copy: a {@link PaginatedStore} writes every bin of its pages,
   * empty ones between samples included, where a dense store writes the smaller of that and its
   * non-empty bins alone. For the rows of a few requests, most rows, that made the stored sketches
   * a fifth larger (190 more bytes per series on disk at 10,000 series).
   */
  public byte[] toBytes() {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(128);
    try {
      for (DDSketch s : new DDSketch[] {ttft, tpot, e2e}) {
        int lengthAt = out.numWrittenBytes();
        out.writeLongLE(0);
        DDSketch dense = new DDSketch(MAPPING, UnboundedSizeDenseStore::new);
        dense.mergeWith(s);
        dense.encode(out, false);
        int length = out.numWrittenBytes() - lengthAt - Long.BYTES;
        ByteBuffer.wrap(out.backingArray(), lengthAt, Long.BYTES).putLong(length);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.trimmedCopy();
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
