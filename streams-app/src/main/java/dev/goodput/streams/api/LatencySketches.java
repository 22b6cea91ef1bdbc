package dev.goodput.streams.api;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
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

  /**
   * At most this many bins per sketch: at 0.5% they span a factor of about 10^8 (e.g. 0.1 ms to 3
   * hours) at full accuracy; beyond that the lowest bins are merged, which only affects the lowest
   * quantiles of a pathologically wide distribution.
   */
  static final int MAX_BINS = 2048;

  private static DDSketch sketch() {
    return DDSketches.logarithmicCollapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS);
  }

  /** Adds one accepted request; only {@code ok} ones have latencies that count. */
  public void add(InferenceEvent e, double tpotMs) {
    if (e.status() != Status.OK) {
      return;
    }
    if (e.ttftMs() != null) {
      ttft.accept(e.ttftMs());
    }
    if (e.outputTokens() >= 2) {
      tpot.accept(tpotMs);
    }
    if (e.e2eMs() != null) {
      e2e.accept(e.e2eMs());
    }
  }

  /** An independent copy. */
  public LatencySketches copy() {
    return new LatencySketches(ttft.copy(), tpot.copy(), e2e.copy());
  }

  /** Adds every sample of {@code other} to this. */
  public void merge(LatencySketches other) {
    ttft.mergeWith(other.ttft);
    tpot.mergeWith(other.tpot);
    e2e.mergeWith(other.e2e);
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

  /** The encoded form: three length-prefixed DDSketch encodings (sketches-java's own format). */
  public byte[] toBytes() {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(128);
    try {
      for (DDSketch s : new DDSketch[] {ttft, tpot, e2e}) {
        int lengthAt = out.numWrittenBytes();
        out.writeLongLE(0);
        s.encode(out, false);
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
              () -> new CollapsingLowestDenseStore(MAX_BINS));
      buf.position(buf.position() + length);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt latency sketch", e);
    }
  }
}
