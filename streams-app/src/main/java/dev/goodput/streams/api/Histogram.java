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
 * The edges with counts are held in sorted primitive arrays (read at every event and every scrape).
 * Mutable; not thread-safe.
 */
public final class Histogram {

  private double[] edges;
  private long[] counts;
  private int size;
  private double sumMs;

  private Histogram(double[] edges, long[] counts, int size, double sumMs) {
    this.edges = edges;
    this.counts = counts;
    this.size = size;
    this.sumMs = sumMs;
  }

  public static Histogram empty() {
    return new Histogram(new double[4], new long[4], 0, 0);
  }

  /** An independent copy. */
  public Histogram copy() {
    return new Histogram(edges.clone(), counts.clone(), size, sumMs);
  }

  /** Counts {@code valueMs} against the sorted {@code edgesMs}. */
  public void observe(double valueMs, double[] edgesMs) {
    int i = Arrays.binarySearch(edgesMs, valueMs);
    int at = i >= 0 ? i : -i - 1;
    add(at < edgesMs.length ? edgesMs[at] : Double.POSITIVE_INFINITY, 1);
    sumMs += valueMs;
  }

  /** Adds every observation of {@code other}. */
  public void merge(Histogram other) {
    for (int i = 0; i < other.size; i++) {
      add(other.edges[i], other.counts[i]);
    }
    sumMs += other.sumMs;
  }

  private void add(double edge, long n) {
    int i = Arrays.binarySearch(edges, 0, size, edge);
    if (i >= 0) {
      counts[i] += n;
      return;
    }
    int at = -i - 1;
    if (size == edges.length) {
      edges = Arrays.copyOf(edges, size * 2);
      counts = Arrays.copyOf(counts, size * 2);
    }
    System.arraycopy(edges, at, edges, at + 1, size - at);
    System.arraycopy(counts, at, counts, at + 1, size - at);
    edges[at] = edge;
    counts[at] = n;
    size++;
  }

  /** The number of edges with a count, ascending; {@code +Inf} last when present. */
  public int edgeCount() {
    return size;
  }

  /** The {@code i}-th edge with a count, in ms. */
  public double edgeMs(int i) {
    return edges[i];
  }

  /** The (not cumulative) count of the {@code i}-th edge. */
  public long countAt(int i) {
    return counts[i];
  }

  /** Per-bucket (not cumulative) counts by upper edge in ms, including {@code +Inf}. */
  public Map<Double, Long> counts() {
    TreeMap<Double, Long> out = new TreeMap<>();
    for (int i = 0; i < size; i++) {
      out.put(edges[i], counts[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  public double sumMs() {
    return sumMs;
  }

  /** The number of observations. */
  public long count() {
    long n = 0;
    for (int i = 0; i < size; i++) {
      n += counts[i];
    }
    return n;
  }

  /** Writes {@code n, (edge, count) x n, sum}. */
  void write(ByteBuffer buf) {
    buf.putInt(size);
    for (int i = 0; i < size; i++) {
      buf.putDouble(edges[i]).putLong(counts[i]);
    }
    buf.putDouble(sumMs);
  }

  int size() {
    return Integer.BYTES + size * (Double.BYTES + Long.BYTES) + Double.BYTES;
  }

  /** Reads what {@link #write} wrote (edges ascending, as written). */
  static Histogram read(ByteBuffer buf) {
    int n = buf.getInt();
    if (n < 0) {
      throw new IllegalArgumentException("histogram with " + n + " edges");
    }
    double[] edges = new double[Math.max(n, 4)];
    long[] counts = new long[edges.length];
    for (int i = 0; i < n; i++) {
      edges[i] = buf.getDouble();
      counts[i] = buf.getLong();
      if (i > 0 && Double.compare(edges[i], edges[i - 1]) <= 0) {
        throw new IllegalArgumentException("histogram edges out of order at " + i);
      }
    }
    return new Histogram(edges, counts, n, buf.getDouble());
  }
}
