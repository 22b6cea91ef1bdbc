package dev.goodput.streams.api;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.nio.ByteBuffer;

/**
 * Everything a tenant and model have accumulated since the start: the usage counters and the TTFT,
 * TPOT and end-to-end histograms exported on {@code /metrics}. Never decreases.
 */
public record SeriesTotals(UsageCounters counters, Histogram ttft, Histogram tpot, Histogram e2e) {

  public static SeriesTotals empty() {
    return new SeriesTotals(
        UsageCounters.ZERO, Histogram.empty(), Histogram.empty(), Histogram.empty());
  }

  /** This plus one accepted event (mutates the histograms, returns the new totals). */
  public SeriesTotals plus(
      InferenceEvent e, UsageCounters one, double tpotMs, HistogramEdges edges) {
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
    return new SeriesTotals(counters.plus(one), ttft, tpot, e2e);
  }

  /** The histograms' encoded form (the counters are encoded by the caller). */
  public byte[] histogramBytes() {
    ByteBuffer buf = ByteBuffer.allocate(ttft.size() + tpot.size() + e2e.size());
    ttft.write(buf);
    tpot.write(buf);
    e2e.write(buf);
    return buf.array();
  }

  /** Reads what {@link #histogramBytes} wrote. */
  public static SeriesTotals of(UsageCounters counters, ByteBuffer histograms) {
    return new SeriesTotals(
        counters,
        Histogram.read(histograms),
        Histogram.read(histograms),
        Histogram.read(histograms));
  }
}
