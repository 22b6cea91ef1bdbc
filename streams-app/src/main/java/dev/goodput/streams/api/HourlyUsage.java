package dev.goodput.streams.api;

import java.util.Comparator;

/** One stored hourly row: a tenant's usage of one model in one UTC hour. */
public record HourlyUsage(UsageKey key, UsageCounters counters, LatencySketches sketches) {

  /** By tenant, then hour, then model: the order of the store and of every report. */
  public static final Comparator<HourlyUsage> ORDER =
      Comparator.comparing((HourlyUsage h) -> h.key().tenant())
          .thenComparingLong(h -> h.key().hourStartMs())
          .thenComparing(h -> h.key().model());
}
