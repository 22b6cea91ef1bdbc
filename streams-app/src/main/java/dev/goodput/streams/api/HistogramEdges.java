package dev.goodput.streams.api;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.SloPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Upper bucket edges, in milliseconds, of the exported TTFT, TPOT and end-to-end histograms: a
 * fixed base set plus every target of the SLO policies known at start-up (and the default
 * policy's), so that the share of requests within a target is read exactly from the buckets. A
 * target added at run time gets its edge at the next restart.
 */
public record HistogramEdges(double[] ttftMs, double[] tpotMs, double[] e2eMs) {

  private static final double[] BASE_TTFT = {
    10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 20000, 30000,
    60000
  };
  private static final double[] BASE_TPOT = {
    5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000
  };
  private static final double[] BASE_E2E = {
    100, 250, 500, 1000, 2500, 5000, 10000, 20000, 30000, 60000, 120000, 300000, 600000
  };

  /** The base edges plus the targets of {@code catalog}'s policies and of the default policy. */
  public static HistogramEdges of(Catalog catalog) {
    TreeSet<Double> ttft = sorted(BASE_TTFT);
    TreeSet<Double> tpot = sorted(BASE_TPOT);
    TreeSet<Double> e2e = sorted(BASE_E2E);
    for (SloPolicy p : concat(catalog)) {
      ttft.add(p.ttftMs());
      tpot.add(p.tpotMs());
      if (p.e2eMs() != null) {
        e2e.add(p.e2eMs());
      }
    }
    return new HistogramEdges(array(ttft), array(tpot), array(e2e));
  }

  private static Iterable<SloPolicy> concat(Catalog catalog) {
    List<SloPolicy> all = new ArrayList<>(catalog.policies());
    all.add(SloPolicy.DEFAULT);
    return all;
  }

  private static TreeSet<Double> sorted(double[] values) {
    TreeSet<Double> s = new TreeSet<>();
    for (double v : values) {
      s.add(v);
    }
    return s;
  }

  private static double[] array(TreeSet<Double> s) {
    return s.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HistogramEdges h
        && Arrays.equals(ttftMs, h.ttftMs)
        && Arrays.equals(tpotMs, h.tpotMs)
        && Arrays.equals(e2eMs, h.e2eMs);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ttftMs) * 31 + Arrays.hashCode(tpotMs) * 7 + Arrays.hashCode(e2eMs);
  }

  @Override
  public String toString() {
    return "HistogramEdges[ttft="
        + Arrays.toString(ttftMs)
        + ", tpot="
        + Arrays.toString(tpotMs)
        + ", e2e="
        + Arrays.toString(e2eMs)
        + "]";
  }
}
