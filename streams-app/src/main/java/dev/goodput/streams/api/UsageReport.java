package dev.goodput.streams.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tenant's usage over {@code [from, to)} at one granularity. Rows are sorted by start, then
 * model; empty periods have no row. A day or month row covers only its part inside the range.
 * {@code totals} and {@code totalSketches} cover all rows.
 */
public record UsageReport(
    String tenant,
    Instant from,
    Instant to,
    Granularity granularity,
    List<UsageRow> rows,
    UsageCounters totals,
    LatencySketches totalSketches) {

  /**
   * Rolls hourly rows up to the granularity. Hours outside {@code [from, to)} are ignored, so the
   * caller may pass a superset.
   */
  public static UsageReport of(
      String tenant, Instant from, Instant to, Granularity granularity, List<HourlyUsage> hours) {
    Map<Instant, Map<String, Partial>> byPeriod = new TreeMap<>();
    Partial total = new Partial();
    for (HourlyUsage h : hours) {
      Instant hour = Instant.ofEpochMilli(h.key().hourStartMs());
      if (hour.isBefore(from) || !hour.isBefore(to)) {
        continue;
      }
      Instant start =
          granularity == Granularity.TOTAL ? from : max(from, granularity.periodStart(hour));
      byPeriod
          .computeIfAbsent(start, s -> new TreeMap<>())
          .computeIfAbsent(h.key().model(), m -> new Partial())
          .add(h);
      total.add(h);
    }
    List<UsageRow> rows = new ArrayList<>();
    for (Map.Entry<Instant, Map<String, Partial>> period : byPeriod.entrySet()) {
      Instant start = period.getKey();
      Instant end =
          granularity == Granularity.TOTAL
              ? to
              : min(to, granularity.periodEnd(granularity.periodStart(start)));
      period
          .getValue()
          .forEach((model, p) -> rows.add(new UsageRow(start, end, model, p.counters, p.sketches)));
    }
    rows.sort(Comparator.comparing(UsageRow::start).thenComparing(UsageRow::model));
    return new UsageReport(
        tenant, from, to, granularity, List.copyOf(rows), total.counters, total.sketches);
  }

  /** Counters and sketches being summed. */
  private static final class Partial {
    UsageCounters counters = UsageCounters.ZERO;
    final LatencySketches sketches = LatencySketches.empty();

    void add(HourlyUsage h) {
      counters = counters.plus(h.counters());
      sketches.merge(h.sketches());
    }
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
