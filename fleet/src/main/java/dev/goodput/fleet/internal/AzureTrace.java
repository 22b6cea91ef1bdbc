package dev.goodput.fleet.internal;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.List;

/**
 * The bundled slice of the Azure LLM inference trace 2023 ({@code conv}): per row its arrival
 * offset from the first row and its token counts. Sequence number {@code s} replays row {@code s
 * mod size()}; after the last row the replay wraps to the first, one mean gap later.
 */
public final class AzureTrace {

  static final String PATH = "azure-llm-2023/conv-first-5000.csv";
  static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";

  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder()
          .appendPattern("uuuu-MM-dd HH:mm:ss")
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .toFormatter();

  private final long[] offsetNs;
  private final long[] inputTokens;
  private final long[] outputTokens;
  private final long loopNs;

  private AzureTrace(long[] offsetNs, long[] inputTokens, long[] outputTokens) {
    this.offsetNs = offsetNs;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    int n = offsetNs.length;
    long span = offsetNs[n - 1];
    this.loopNs = n == 1 ? 1_000_000_000L : span + span / (n - 1);
  }

  static AzureTrace read(Resources resources) {
    List<String> rows = Resources.rows(resources.lines(PATH), PATH, HEADER);
    if (rows.isEmpty()) {
      throw new IllegalStateException("bundled data file " + PATH + " has no rows");
    }
    int n = rows.size();
    long[] offsets = new long[n];
    long[] input = new long[n];
    long[] output = new long[n];
    long firstNs = 0;
    for (int i = 0; i < n; i++) {
      String[] f = rows.get(i).split(",", -1);
      if (f.length != 3) {
        throw new IllegalStateException(PATH + " row " + i + ": expected 3 columns");
      }
      LocalDateTime t = LocalDateTime.parse(f[0], TIMESTAMP);
      long ns = t.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L + t.getNano();
      if (i == 0) {
        firstNs = ns;
      }
      offsets[i] = ns - firstNs;
      if (i > 0 && offsets[i] < offsets[i - 1]) {
        throw new IllegalStateException(PATH + " row " + i + ": timestamps go backwards");
      }
      input[i] = Long.parseLong(f[1]);
      output[i] = Long.parseLong(f[2]);
    }
    return new AzureTrace(offsets, input, output);
  }

  /** Rows in the slice. */
  public int size() {
    return offsetNs.length;
  }

  /** The row that sequence number {@code sequence} replays. */
  public int row(long sequence) {
    return (int) Math.floorMod(sequence, (long) offsetNs.length);
  }

  /** {@code ContextTokens} of a row. */
  public long inputTokens(int row) {
    return inputTokens[row];
  }

  /** {@code GeneratedTokens} of a row. */
  public long outputTokens(int row) {
    return outputTokens[row];
  }

  /** Trace time of one pass over the slice, the wrap gap included, in nanoseconds. */
  public long loopNs() {
    return loopNs;
  }

  /** Trace time from the arrival of sequence {@code from} to that of {@code to}, nanoseconds. */
  public long gapNs(long from, long to) {
    long n = offsetNs.length;
    long loops = Math.floorDiv(to, n) - Math.floorDiv(from, n);
    return Math.addExact(
        Math.multiplyExact(loops, loopNs), offsetNs[row(to)] - offsetNs[row(from)]);
  }
}
