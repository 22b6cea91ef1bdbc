package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class LatencySketchesTest {

  private static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99};

  /**
   * Every percentile is within the stated relative accuracy of a sample at its rank (the order
   * statistic at or on either side of {@code q * (n - 1)}), for latencies spread over the whole
   * counted range, and stays so through an encoding and a merge of halves.
   */
  @Property(tries = 1000)
  void percentilesAreWithinHalfAPercentOfASampleAtTheirRank(
      @ForAll @Size(min = 1, max = 300) List<@DoubleRange(min = -3, max = 9) Double> log10Ms) {
    double[] ms = log10Ms.stream().mapToDouble(x -> Math.pow(10, x)).toArray();
    LatencySketches whole = LatencySketches.empty();
    LatencySketches firstHalf = LatencySketches.empty();
    LatencySketches secondHalf = LatencySketches.empty();
    for (int i = 0; i < ms.length; i++) {
      InferenceEvent e = ok(ms[i]);
      whole.add(e, ms[i]);
      (i % 2 == 0 ? firstHalf : secondHalf).add(e, ms[i]);
    }
    LatencySketches merged = roundTrip(firstHalf);
    merged.merge(roundTrip(secondHalf));
    // Copies (the published snapshots) and merges hold exactly the bins of the whole.
    assertThat(whole.copy().toBytes()).isEqualTo(whole.toBytes());
    assertThat(merged.toBytes()).isEqualTo(whole.toBytes());

    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    for (LatencySketches s : List.of(whole, roundTrip(whole), merged)) {
      for (Percentiles p : List.of(s.ttft(), s.tpot(), s.e2e())) {
        double[] values = {p.p50(), p.p90(), p.p95(), p.p99()};
        for (int q = 0; q < QUANTILES.length; q++) {
          double rank = QUANTILES[q] * (sorted.length - 1);
          double lo = sorted[(int) Math.floor(rank)];
          double hi = sorted[(int) Math.ceil(rank)];
          double error = Math.min(Math.abs(values[q] - lo) / lo, Math.abs(values[q] - hi) / hi);
          assertThat(error)
              .as("p%s of %d samples", QUANTILES[q] * 100, sorted.length)
              .isLessThanOrEqualTo(LatencySketches.RELATIVE_ACCURACY + 1e-12);
        }
      }
    }
  }

  /**
   * The sample jqwik shrank a failure to: sketches-java's own merge of two paged stores threw
   * {@code ArrayIndexOutOfBoundsException} for it.
   */
  @Test
  void mergesPagedStoresThatTheLibrarysOwnMergeGetsWrong() {
    double[] log10Ms = {0, 0, 0, 0, 0, 0, 0, 0, -0.56, -1.67, 2.51, 2.65};
    LatencySketches firstHalf = LatencySketches.empty();
    LatencySketches secondHalf = LatencySketches.empty();
    LatencySketches whole = LatencySketches.empty();
    for (int i = 0; i < log10Ms.length; i++) {
      double ms = Math.pow(10, log10Ms[i]);
      whole.add(ok(ms), ms);
      (i % 2 == 0 ? firstHalf : secondHalf).add(ok(ms), ms);
    }
    LatencySketches merged = roundTrip(firstHalf);
    merged.merge(roundTrip(secondHalf));

    assertThat(merged.toBytes()).isEqualTo(whole.toBytes());
  }

  @Test
  void latenciesOutsideTheCountedRangeCountAtItsBoundsAndZeroAsZero() {
    LatencySketches s = LatencySketches.empty();
    s.add(ok(1e-7, 1e15), 1e-7);
    assertThat(s.ttft().p50()).isCloseTo(LatencySketches.MIN_MS, within(LatencySketches.MIN_MS));
    assertThat(s.tpot().p50()).isCloseTo(LatencySketches.MIN_MS, within(LatencySketches.MIN_MS));
    assertThat(s.e2e().p50()).isCloseTo(LatencySketches.MAX_MS, within(LatencySketches.MAX_MS));

    LatencySketches zero = LatencySketches.empty();
    zero.add(ok(0, 0), 0);
    assertThat(zero.ttft().p99()).isZero();
    assertThat(zero.e2e().p99()).isZero();
  }

  /**
   * Rows persisted before {@code PaginatedStore} hold sketches encoded from collapsing dense
   * stores; they decode to the same percentiles and go on taking samples.
   */
  @Test
  void readsSketchesEncodedFromTheEarlierDenseStore() throws IOException {
    double[] ms = {12.5, 48.0, 48.3, 230.0, 1_750.0, 9_000.0};
    DDSketch[] earlier = earlierSketches(ms);

    LatencySketches read = LatencySketches.fromBytes(ByteBuffer.wrap(encode(earlier)));

    List<Percentiles> got = List.of(read.ttft(), read.tpot(), read.e2e());
    for (int i = 0; i < 3; i++) {
      double[] expected = earlier[i].getValuesAtQuantiles(QUANTILES);
      Percentiles p = got.get(i);
      assertThat(new double[] {p.p50(), p.p90(), p.p95(), p.p99()}).containsExactly(expected);
    }
    // A row read back is written again at the next commit: its decoded sketches encode too.
    LatencySketches again = roundTrip(read);
    assertThat(again.e2e()).isEqualTo(read.e2e());
    assertThat(again.toBytes()).isEqualTo(encode(earlier));
    for (int i = 0; i < 100; i++) {
      read.add(ok(100_000.0), 100_000.0);
    }
    assertThat(read.ttft().p50()).isCloseTo(100_000.0, within(100_000.0));
  }

  /**
   * Sketches are stored as a dense store encodes them (the smaller of contiguous and sparse bins),
   * byte for byte as before the paged store, not as the paged store would (every bin of its pages).
   */
  @Test
  void encodesAsTheEarlierDenseStoreDid() throws IOException {
    double[] ms = {3.1, 48.0, 48.3, 230.0, 1_750.0, 420_000.0};
    LatencySketches now = LatencySketches.empty();
    for (double v : ms) {
      now.add(ok(v, v * 2), v * 3);
    }
    DDSketch[] times = earlierSketches(ms); // v, 2v, 3v
    DDSketch[] earlier = {times[0], times[2], times[1]}; // ttft, tpot, e2e

    assertThat(now.toBytes()).isEqualTo(encode(earlier));
  }

  /**
   * The encoding written without a dense copy is the dense copy's, byte for byte, whether the bins
   * lie close (contiguous counts) or far apart (index deltas), with zero latencies and whatever the
   * number of samples in a bin.
   */
  @Property(tries = 1000)
  void encodesWithoutACopyAsTheDenseCopyDoes(
      @ForAll @Size(max = 400) List<@DoubleRange(min = -4, max = 10) Double> log10Ms,
      @ForAll @Size(max = 20) List<@DoubleRange(min = 0, max = 2_000) Double> repeated,
      @ForAll boolean withZeros)
      throws IOException {
    DDSketch s = LatencySketches.sketch();
    for (double x : log10Ms) {
      s.accept(Math.min(LatencySketches.MAX_MS, Math.max(LatencySketches.MIN_MS, Math.pow(10, x))));
    }
    for (double ms : repeated) {
      s.accept(Math.max(LatencySketches.MIN_MS, ms), 1 + (long) ms % 7);
    }
    if (withZeros) {
      s.accept(0, 3);
    }

    GrowingByteArrayOutput ours = GrowingByteArrayOutput.withInitialCapacity(16);
    LatencySketches.encodeAsDense(s, ours);
    GrowingByteArrayOutput copy = GrowingByteArrayOutput.withInitialCapacity(16);
    DDSketch dense = new DDSketch(s.getIndexMapping(), UnboundedSizeDenseStore::new);
    dense.mergeWith(s);
    dense.encode(copy, false);

    assertThat(ours.trimmedCopy()).isEqualTo(copy.trimmedCopy());
  }

  private static DDSketch earlierSketch() {
    return DDSketches.logarithmicCollapsingLowestDense(LatencySketches.RELATIVE_ACCURACY, 2048);
  }

  /** Sketches of {@code ms}, {@code 2 ms} and {@code 3 ms} as the earlier design made them. */
  private static DDSketch[] earlierSketches(double[] ms) {
    DDSketch[] out = new DDSketch[3];
    for (int i = 0; i < 3; i++) {
      out[i] = earlierSketch();
      for (double v : ms) {
        out[i].accept(v * (i + 1));
      }
    }
    return out;
  }

  /** Three length-prefixed encodings, as {@link LatencySketches#toBytes} lays them out. */
  private static byte[] encode(DDSketch[] sketches) throws IOException {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(128);
    for (DDSketch s : sketches) {
      int lengthAt = out.numWrittenBytes();
      out.writeLongLE(0);
      s.encode(out, false);
      int length = out.numWrittenBytes() - lengthAt - Long.BYTES;
      ByteBuffer.wrap(out.backingArray(), lengthAt, Long.BYTES).putLong(length);
    }
    return out.trimmedCopy();
  }

  /** Within the sketches' relative accuracy of {@code d}. */
  private static Offset<Double> within(double d) {
    return Offset.offset(d * LatencySketches.RELATIVE_ACCURACY);
  }

  private static LatencySketches roundTrip(LatencySketches s) {
    return LatencySketches.fromBytes(ByteBuffer.wrap(s.toBytes()));
  }

  private static InferenceEvent ok(double ms) {
    return ok(ms, ms);
  }

  /** An ok request with these TTFT and E2E and two output tokens (so its TPOT counts). */
  private static InferenceEvent ok(double ttftMs, double e2eMs) {
    return TopologyFixture.event(
        "e", "t", "m", Instant.parse("2026-12-06T00:00:00Z"), Status.OK, 10, 2, ttftMs, e2eMs);
  }
}
