package dev.goodput.streams.api;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A latency histogram with persisted, never-decreasing bucket counts. Each observation is counted
 * in the bucket of the smallest configured edge at or above it ({@code +Inf} if none). Counts are
 * kept per edge, so a restart with more edges keeps every count and starts the new edges at zero.
 * Mutable; not thread-safe.
 */
public final class Histogram {

  private final TreeMap<Double, Long> counts;
  private double sumMs;

  private Histogram(TreeMap<Double, Long> counts, double sumMs) {
    this.counts = counts;
    this.sumMs = sumMs;
  }

  public static Histogram empty() {
    return new Histogram(new TreeMap<>(), 0);
  }

  /** Counts {@code valueMs} against the sorted {@code edgesMs}. */
  public void observe(double valueMs, double[] edgesMs) {
    double edge = Double.POSITIVE_INFINITY;
    int i = Arrays.binarySearch(edgesMs, valueMs);
    int at = i >= 0 ? i : -i - 1;
    if (at < edgesMs.length) {
      edge = edgesMs[at];
    }
    counts.merge(edge, 1L, Long::sum);
    sumMs += valueMs;
  }

  /** Adds every observation of {@code other}. */
  public void merge(Histogram other) {
    other.counts.forEach((edge, n) -> counts.merge(edge, n, Long::sum));
    sumMs += other.sumMs;
  }

  /** Per-bucket (not cumulative) counts by upper edge in ms, including {@code +Inf}. */
  public Map<Double, Long> counts() {
    return Collections.unmodifiableMap(counts);
  }

  public double sumMs() {
    return sumMs;
  }

  /** The number of observations. */
  public long count() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Writes {@code n, (edge, count) x n, sum}. */
  void write(ByteBuffer buf) {
    buf.putInt(counts.size());
    counts.forEach((edge, n) -> buf.putDouble(edge).putLong(n));
    buf.putDouble(sumMs);
  }

  int size() {
    return Integer.BYTES + counts.size() * (Double.BYTES + Long.BYTES) + Double.BYTES;
  }

  static Histogram read(ByteBuffer buf) {
    int n = buf.getInt();
    TreeMap<Double, Long> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      counts.put(buf.getDouble(), buf.getLong());
    }
    return new Histogram(counts, buf.getDouble());
  }
}
