package dev.goodput.streams.api;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;

/**
 * Everything a tenant and model have accumulated since the start: the usage counters and the TTFT,
 * TPOT and end-to-end histograms exported on {@code /metrics}, which never decrease; and the cost
 * of the latest UTC calendar month with events ({@code monthStartMs}), for budgets.
 */
public record SeriesTotals(
    UsageCounters counters,
    Histogram ttft,
    Histogram tpot,
    Histogram e2e,
    long monthStartMs,
    BigDecimal monthCost) {

  private static final long DAY_MS = 86_400_000L;

  public static SeriesTotals empty() {
    return new SeriesTotals(
        UsageCounters.ZERO,
        Histogram.empty(),
        Histogram.empty(),
        Histogram.empty(),
        0L,
        BigDecimal.ZERO);
  }

  /** An independent copy (the histograms are mutable). */
  public SeriesTotals copy() {
    return new SeriesTotals(
        counters, ttft.copy(), tpot.copy(), e2e.copy(), monthStartMs, monthCost);
  }

  /** The start of the UTC calendar month holding {@code timestampMs}. */
  public static long monthStartMs(long timestampMs) {
    LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(timestampMs, DAY_MS));
    return day.withDayOfMonth(1).toEpochDay() * DAY_MS;
  }

  /**
   * The cost in the month starting at {@code monthStartMs}: zero when the latest events are of
   * another month. An event late for an earlier month counts in its month's usage rows, not here.
   */
  public BigDecimal costInMonth(long monthStartMs) {
    return this.monthStartMs == monthStartMs ? monthCost : BigDecimal.ZERO;
  }

  /** This plus one accepted event (mutates the histograms, returns the new totals). */
  public SeriesTotals plus(
      InferenceEvent e, UsageCounters one, double tpotMs, HistogramEdges edges) {
    // What can fail (an overflowing counter) before the histograms change in place.
    UsageCounters newCounters = counters.plus(one);
    if (e.status() == Status.OK) {
      if (e.ttftMs() != null) {
        ttft.observe(e.ttftMs(), edges.ttftMs());
      }
      if (e.outputTokens() >= 2) {
        tpot.observe(tpotMs, edges.tpotMs());
      }
      if (e.e2eMs() != null) {
        e2e.observe(e.e2eMs(), edges.e2eMs());
      }
    }
    long month = monthStartMs(e.timestampMs());
    long newMonth = Math.max(month, monthStartMs);
    BigDecimal newMonthCost =
        month == monthStartMs
            ? monthCost.add(one.cost())
            : month > monthStartMs ? one.cost() : monthCost;
    return new SeriesTotals(newCounters, ttft, tpot, e2e, newMonth, newMonthCost);
  }

  /** The histograms' encoded form (the counters are encoded by the caller). */
  public byte[] histogramBytes() {
    ByteBuffer buf = ByteBuffer.allocate(ttft.size() + tpot.size() + e2e.size());
    ttft.write(buf);
    tpot.write(buf);
    e2e.write(buf);
    return buf.array();
  }

  /**
   * Reads what {@link #histogramBytes} wrote; the month's start and cost are read by the caller
   * (state written before they existed has none: zero).
   */
  public static SeriesTotals of(
      UsageCounters counters, ByteBuffer histograms, long monthStartMs, BigDecimal monthCost) {
    return new SeriesTotals(
        counters,
        Histogram.read(histograms),
        Histogram.read(histograms),
        Histogram.read(histograms),
        monthStartMs,
        monthCost);
  }

  /** The sum of two series (folding tenants into one exported series). */
  public SeriesTotals merge(SeriesTotals o, long currentMonthStartMs) {
    Histogram t = Histogram.empty();
    Histogram p = Histogram.empty();
    Histogram d = Histogram.empty();
    for (SeriesTotals s : new SeriesTotals[] {this, o}) {
      t.merge(s.ttft);
      p.merge(s.tpot);
      d.merge(s.e2e);
    }
    return new SeriesTotals(
        counters.plus(o.counters),
        t,
        p,
        d,
        currentMonthStartMs,
        costInMonth(currentMonthStartMs).add(o.costInMonth(currentMonthStartMs)));
  }
}
