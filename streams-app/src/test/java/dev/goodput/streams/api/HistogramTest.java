package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.SloPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistogramTest {

  private static final HistogramEdges EDGES =
      HistogramEdges.of(
          new Catalog(
              List.of(),
              List.of(new SloPolicy("*", null, null, Instant.EPOCH, 450, 42, 20000.0, 0.99))));

  @Test
  void shouldPutEverySloTargetAmongTheBucketEdges() {
    assertThat(EDGES.ttftMs()).contains(450.0, 2000.0).isSorted();
    assertThat(EDGES.tpotMs()).contains(42.0, 200.0).isSorted();
    assertThat(EDGES.e2eMs()).contains(20000.0).isSorted();
  }

  @Test
  void shouldCountAValueEqualToAnEdgeInThatEdgesBucketSoTheRatioAtTheTargetIsExact() {
    Histogram h = Histogram.empty();
    h.observe(450.0, EDGES.ttftMs());
    h.observe(450.001, EDGES.ttftMs());
    h.observe(1e9, EDGES.ttftMs());
    h.observe(3, EDGES.ttftMs());

    assertThat(h.counts())
        .isEqualTo(Map.of(10.0, 1L, 450.0, 1L, 500.0, 1L, Double.POSITIVE_INFINITY, 1L));
    assertThat(h.count()).isEqualTo(4);
    assertThat(h.sumMs()).isEqualTo(450.0 + 450.001 + 1e9 + 3);
  }

  @Test
  void shouldKeepCountsOfEdgesThatAreNoLongerConfigured() {
    Histogram before = Histogram.empty();
    before.observe(440, new double[] {450});
    Histogram after = Histogram.empty();
    after.merge(before);
    after.observe(440, new double[] {445, 450});

    assertThat(after.counts()).isEqualTo(Map.of(445.0, 1L, 450.0, 1L));
  }
}
