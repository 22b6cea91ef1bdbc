package dev.goodput.exporters.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a Prometheus text exposition, written straight into a block buffer that is flushed
 * to a stream when full: numbers are formatted without intermediate strings, and label sets are
 * appended as bytes escaped once per series. Not thread-safe.
 */
final class TextOut {

  private static final int BLOCK = 1 << 16;

  /** The most digits a {@link #decimal} takes the fast way (its unscaled value fits a long). */
  private static final int MAX_SCALE = 18;

  /** Beyond this, {@link #micros} would overflow a long. */
  private static final double MAX_MICROS_VALUE = 9e12;

  private final OutputStream out;
  private final byte[] buf = new byte[BLOCK];
  private final byte[] digits = new byte[20];
  private int n;

  TextOut(OutputStream out) {
    this.out = out;
  }

  TextOut bytes(byte[] b) {
    if (b.length > BLOCK - n) {
      flush();
      if (b.length > BLOCK) {
        write(b, b.length);
        return this;
      }
    }
    System.arraycopy(b, 0, buf, n, b.length);
    n += b.length;
    return this;
  }

  TextOut utf8(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  TextOut ascii(char c) {
    if (n == BLOCK) {
      flush();
    }
    buf[n++] = (byte) c;
    return this;
  }

  /**
   * One sample line of a whole number, {@code name series close value\n}: the hot path of a scrape
   * (a million lines at 10,000 series), with one bounds check for the line.
   */
  void line(byte[] name, byte[] series, byte[] close, long value) {
    int len = name.length + series.length + close.length;
    if (len + 21 > BLOCK - n) {
      flush();
      if (len + 21 > BLOCK) {
        bytes(name).bytes(series).bytes(close).number(value).ascii('\n');
        return;
      }
    }
    System.arraycopy(name, 0, buf, n, name.length);
    n += name.length;
    System.arraycopy(series, 0, buf, n, series.length);
    n += series.length;
    System.arraycopy(close, 0, buf, n, close.length);
    n += close.length;
    digits(value);
    buf[n++] = '\n';
  }

  /** A sample value that is a whole number. */
  TextOut number(long v) {
    if (n > BLOCK - 20) {
      flush();
    }
    digits(v);
    return this;
  }

  /** The decimal digits of {@code v}; room for 20 bytes is left by the caller. */
  private void digits(long v) {
    if (v == Long.MIN_VALUE) {
      byte[] min = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(min, 0, buf, n, min.length);
      n += min.length;
      return;
    }
    if (v < 0) {
      buf[n++] = '-';
      v = -v;
    }
    int d = digits.length;
    do {
      digits[--d] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v != 0);
    int len = digits.length - d;
    System.arraycopy(digits, d, buf, n, len);
    n += len;
  }

  /** A sample value, as Prometheus parses it ({@code +Inf}, {@code -Inf}, {@code NaN}). */
  TextOut number(double v) {
    if (v == (long) v && Math.abs(v) < 1e15) {
      return number((long) v);
    }
    return utf8(format(v));
  }

  /**
   * An exact decimal, written plainly ({@code 10.5}, {@code 0.000125}) without trailing zeros: the
   * text the usage API's figure reads as, which Prometheus parses to the double nearest to it.
   */
  TextOut decimal(BigDecimal v) {
    int scale = v.scale();
    if (scale >= 0 && scale <= MAX_SCALE && v.precision() <= MAX_SCALE) {
      return fixed(v.unscaledValue().longValue(), scale);
    }
    return utf8(v.stripTrailingZeros().toPlainString());
  }

  /**
   * {@code v} rounded to six decimal places ({@code ms / 1000} written as seconds to the
   * microsecond): a whole-number formatting, where {@link #number(double)} is Java's shortest
   * representation, several times slower. Rounding keeps order, so a sum that grows never reads
   * smaller. Values too large for microseconds in a {@code long} are written as {@link
   * #number(double)} writes them.
   */
  TextOut micros(double v) {
    if (!(Math.abs(v) < MAX_MICROS_VALUE)) {
      return number(v);
    }
    return fixed(Math.round(v * 1e6), 6);
  }

  /**
   * {@code unscaled / 10^scale} in decimal, without trailing zeros after the point; {@code
   * unscaled} is not {@link Long#MIN_VALUE} and {@code scale} at most 18.
   */
  private TextOut fixed(long unscaled, int scale) {
    while (scale > 0 && unscaled % 10 == 0) {
      unscaled /= 10;
      scale--;
    }
    if (n > BLOCK - 22) {
      flush();
    }
    if (scale == 0) {
      digits(unscaled);
      return this;
    }
    if (unscaled < 0) {
      buf[n++] = '-';
      unscaled = -unscaled;
    }
    int d = digits.length;
    for (int i = 0; i < scale; i++) {
      digits[--d] = (byte) ('0' + unscaled % 10);
      unscaled /= 10;
    }
    int fraction = d;
    do {
      digits[--d] = (byte) ('0' + unscaled % 10);
      unscaled /= 10;
    } while (unscaled != 0);
    int whole = fraction - d;
    System.arraycopy(digits, d, buf, n, whole);
    n += whole;
    buf[n++] = '.';
    System.arraycopy(digits, fraction, buf, n, digits.length - fraction);
    n += digits.length - fraction;
    return this;
  }

  static String format(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return Double.toString(v);
  }

  void flush() {
    write(buf, n);
    n = 0;
  }

  private void write(byte[] b, int len) {
    try {
      out.write(b, 0, len);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code name="value"} with the value escaped as the text format requires. */
  static String label(String name, String value) {
    StringBuilder b = new StringBuilder(name.length() + value.length() + 3);
    b.append(name).append("=\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
