package dev.goodput.exporters.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a Prometheus text exposition, written straight into a block buffer that is flushed
 * to a stream when full: numbers are formatted without intermediate strings, and label sets are
 * appended as bytes escaped once per series. Not thread-safe.
 */
final class TextOut {

  private static final int BLOCK = 1 << 16;

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
