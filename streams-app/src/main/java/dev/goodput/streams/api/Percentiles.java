package dev.goodput.streams.api;

/** p50, p90, p95 and p99 of a latency, in milliseconds; all 0 when there were no samples. */
public record Percentiles(double p50, double p90, double p95, double p99) {
  public static final Percentiles NONE = new Percentiles(0, 0, 0, 0);
}
