package dev.goodput.exporters.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Consumer;
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

  /** Costs: the exact decimal, plainly, whatever its scale; Prometheus's double is the nearest. */
  @Test
  void aDecimalIsWrittenExactly() {
    Random random = new Random(20261207);
    for (int i = 0; i < 100_000; i++) {
      BigDecimal drawn =
          new BigDecimal(new BigInteger(1 + random.nextInt(80), random), random.nextInt(30) - 4);
      BigDecimal v = random.nextBoolean() ? drawn.negate() : drawn;
      String text = written(out -> out.decimal(v));
      assertThat(new BigDecimal(text)).as(text).isEqualByComparingTo(v);
      assertThat(text).as(text).doesNotContain("E").doesNotEndWith(".");
      if (text.contains(".")) {
        assertThat(text).as(text).doesNotEndWith("0");
      }
      assertThat(Double.parseDouble(text)).as(text).isEqualTo(v.doubleValue());
    }
    assertThat(written(out -> out.decimal(new BigDecimal("10.500000000")))).isEqualTo("10.5");
    assertThat(written(out -> out.decimal(new BigDecimal("0.000125")))).isEqualTo("0.000125");
    assertThat(written(out -> out.decimal(new BigDecimal("0E-9")))).isEqualTo("0");
    assertThat(written(out -> out.decimal(new BigDecimal("-3.25")))).isEqualTo("-3.25");
    assertThat(written(out -> out.decimal(new BigDecimal("1E+3")))).isEqualTo("1000");
  }

  /** Histogram sums: to the microsecond, and a larger value never reads smaller. */
  @Test
  void microsRoundToTheMicrosecondAndKeepOrder() {
    Random random = new Random(20261208);
    double previous = 0;
    double previousRead = 0;
    for (int i = 0; i < 100_000; i++) {
      double v = previous + random.nextInt(5_000_000) / 1000.0 / (1 + random.nextInt(1000));
      double read = Double.parseDouble(written(out -> out.micros(v)));
      assertThat(Math.abs(read - v))
          .as("%s read as %s", v, read)
          .isLessThanOrEqualTo(0.5e-6 + Math.ulp(v));
      assertThat(read).as("%s after %s", v, previous).isGreaterThanOrEqualTo(previousRead);
      previous = v;
      previousRead = read;
    }
    assertThat(written(out -> out.micros(1.5))).isEqualTo("1.5");
    assertThat(written(out -> out.micros(0.0000004))).isEqualTo("0");
    assertThat(written(out -> out.micros(0.0000005))).isEqualTo("0.000001");
    assertThat(written(out -> out.micros(123.0))).isEqualTo("123");
    assertThat(written(out -> out.micros(-2.25))).isEqualTo("-2.25");
    // Beyond a long's microseconds: the shortest double, as number(double) writes it.
    assertThat(written(out -> out.micros(1e13 + 0.5))).isEqualTo(TextOut.format(1e13 + 0.5));
    assertThat(written(out -> out.micros(Double.NaN))).isEqualTo("NaN");
  }

  private static String written(Consumer<TextOut> write) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TextOut out = new TextOut(bytes);
    write.accept(out);
    out.flush();
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
