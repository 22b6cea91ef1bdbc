package dev.goodput.exporters.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TextOutTest {

  /** Prometheus reads every sample back as the double it was: any bit pattern, sign, exponent. */
  @Test
  void aFormattedValueReadsBackAsItself() {
    Random random = new Random(20261206);
    for (int i = 0; i < 200_000; i++) {
      double v = Double.longBitsToDouble(random.nextLong());
      if (Double.isFinite(v)) {
        assertThat(Double.parseDouble(TextOut.format(v))).as("%s", v).isEqualTo(v);
      }
    }
    for (double v : new double[] {0.1, 1.5, 2.25e-7, 123_456.789, 1e21, Double.MIN_VALUE}) {
      assertThat(Double.parseDouble(TextOut.format(v))).isEqualTo(v);
    }
  }

  @Test
  void specialValuesAreWrittenAsTheTextFormatSpellsThem() {
    assertThat(TextOut.format(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(TextOut.format(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(TextOut.format(Double.NaN)).isEqualTo("NaN");
  }
}
