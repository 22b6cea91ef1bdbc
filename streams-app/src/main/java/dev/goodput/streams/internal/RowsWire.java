package dev.goodput.streams.internal;

import dev.goodput.streams.api.HourlyUsage;
import dev.goodput.streams.api.UsageKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Hourly rows between instances of one application: a version byte, then per row the stored key and
 * value, each as a length and the store's own bytes. Sketches travel whole, so the receiving
 * instance merges them exactly as if it held the rows.
 */
public final class RowsWire {

  public static final String CONTENT_TYPE = "application/x-goodput-rows";
  private static final byte VERSION = 1;

  private RowsWire() {}

  public static byte[] encode(List<HourlyUsage> rows) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(rows.size());
      for (HourlyUsage row : rows) {
        write(out, Codecs.USAGE_KEY.serializer().serialize(null, row.key()));
        write(
            out,
            Codecs.HOURLY_VALUE
                .serializer()
                .serialize(null, new HourlyValue(row.counters(), row.sketches())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * @throws IllegalArgumentException if the bytes are not rows of this version
   */
  public static List<HourlyUsage> decode(byte[] body) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "rows of version " + version + ", expected " + VERSION + "; are all instances alike?");
      }
      int n = in.readInt();
      List<HourlyUsage> rows = new ArrayList<>(Math.min(n, 1 << 16));
      for (int i = 0; i < n; i++) {
        UsageKey key = Codecs.USAGE_KEY.deserializer().deserialize(null, read(in));
        HourlyValue value = Codecs.HOURLY_VALUE.deserializer().deserialize(null, read(in));
        rows.add(new HourlyUsage(key, value.counters(), value.sketches()));
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("trailing bytes after " + n + " rows");
      }
      return rows;
    } catch (EOFException e) {
      throw new IllegalArgumentException("rows are truncated", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] read(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 64 << 20) {
      throw new IllegalArgumentException("a row of " + n + " bytes");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
