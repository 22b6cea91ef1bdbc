package dev.goodput.streams.internal;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import dev.goodput.streams.api.LatencySketches;
import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.SeriesTotals;
import dev.goodput.streams.api.UsageCounters;
import dev.goodput.streams.api.UsageKey;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Binary formats of the internal topics and state stores. Each value format starts with a version
 * byte so that a later release can read what an earlier one wrote.
 *
 * <p>Store keys are laid out so that byte order is the order queries need: a tenant's hourly rows
 * are contiguous and sorted by hour ({@code tenant 0x00 hour(8 bytes, big-endian) model}). Tenant
 * names never contain {@code 0x00} (the schema forbids control characters).
 */
public final class Codecs {

  private static final byte VERSION = 1;

  public static final Serde<UsageKey> USAGE_KEY =
      Serdes.serdeFrom(
          (topic, k) -> k == null ? null : usageKey(k.tenant(), k.hourStartMs(), k.model()),
          (topic, b) -> b == null ? null : readUsageKey(b));

  public static final Serde<SeriesKey> SERIES_KEY =
      Serdes.serdeFrom(
          (topic, k) -> k == null ? null : seriesKey(k),
          (topic, b) -> b == null ? null : readSeriesKey(b));

  public static final Serde<HourlyValue> HOURLY_VALUE =
      Serdes.serdeFrom(
          (topic, v) -> v == null ? null : writeHourly(v),
          (topic, b) -> b == null ? null : readHourly(b));

  public static final Serde<SeriesTotals> SERIES_TOTALS =
      Serdes.serdeFrom(
          (topic, v) -> v == null ? null : writeTotals(v),
          (topic, b) -> b == null ? null : readTotals(b));

  public static final Serde<InferenceEvent> EVENT =
      Serdes.serdeFrom(
          (topic, e) -> e == null ? null : writeEvent(e),
          (topic, b) -> b == null ? null : readEvent(b));

  private Codecs() {}

  private static byte[] usageKey(String tenant, long hourStartMs, String model) {
    byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
    byte[] m = model.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(t.length + 1 + Long.BYTES + m.length)
        .put(t)
        .put((byte) 0)
        .putLong(hourStartMs)
        .put(m)
        .array();
  }

  private static UsageKey readUsageKey(byte[] b) {
    int sep = separator(b);
    ByteBuffer buf = ByteBuffer.wrap(b, sep + 1, Long.BYTES);
    int modelFrom = sep + 1 + Long.BYTES;
    return new UsageKey(
        new String(b, 0, sep, StandardCharsets.UTF_8),
        buf.getLong(),
        new String(b, modelFrom, b.length - modelFrom, StandardCharsets.UTF_8));
  }

  private static byte[] seriesKey(SeriesKey k) {
    byte[] t = k.tenant().getBytes(StandardCharsets.UTF_8);
    byte[] m = k.model().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(t.length + 1 + m.length).put(t).put((byte) 0).put(m).array();
  }

  private static SeriesKey readSeriesKey(byte[] b) {
    int sep = separator(b);
    return new SeriesKey(
        new String(b, 0, sep, StandardCharsets.UTF_8),
        new String(b, sep + 1, b.length - sep - 1, StandardCharsets.UTF_8));
  }

  private static int separator(byte[] b) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == 0) {
        return i;
      }
    }
    throw new SerializationException("key has no tenant separator");
  }

  private static int countersSize(UsageCounters c) {
    return 1 + 14 * Long.BYTES + 2 * Integer.BYTES + c.cost().unscaledValue().bitLength() / 8 + 1;
  }

  private static void putCounters(ByteBuffer buf, UsageCounters c) {
    byte[] unscaled = c.cost().unscaledValue().toByteArray();
    buf.put(VERSION)
        .putLong(c.requests())
        .putLong(c.requestsOk())
        .putLong(c.requestsError())
        .putLong(c.requestsCancelled())
        .putLong(c.inputTokens())
        .putLong(c.cachedInputTokens())
        .putLong(c.outputTokens())
        .putLong(c.reasoningTokens())
        .putInt(c.cost().scale())
        .putInt(unscaled.length)
        .put(unscaled)
        .putLong(c.unpricedRequests())
        .putLong(c.goodRequests())
        .putLong(c.goodOutputTokens())
        .putLong(c.ttftViolations())
        .putLong(c.tpotViolations())
        .putLong(c.e2eViolations());
  }

  private static UsageCounters getCounters(ByteBuffer buf) {
    checkVersion(buf.get(), "usage counters");
    long requests = buf.getLong();
    long ok = buf.getLong();
    long error = buf.getLong();
    long cancelled = buf.getLong();
    long input = buf.getLong();
    long cached = buf.getLong();
    long output = buf.getLong();
    long reasoning = buf.getLong();
    int scale = buf.getInt();
    byte[] unscaled = new byte[buf.getInt()];
    buf.get(unscaled);
    return new UsageCounters(
        requests,
        ok,
        error,
        cancelled,
        input,
        cached,
        output,
        reasoning,
        new BigDecimal(new BigInteger(unscaled), scale),
        buf.getLong(),
        buf.getLong(),
        buf.getLong(),
        buf.getLong(),
        buf.getLong(),
        buf.getLong());
  }

  private static byte[] writeHourly(HourlyValue v) {
    byte[] sketches = v.sketches().toBytes();
    ByteBuffer buf = ByteBuffer.allocate(countersSize(v.counters()) + sketches.length);
    putCounters(buf, v.counters());
    buf.put(sketches);
    return buf.array();
  }

  private static byte[] writeTotals(SeriesTotals v) {
    byte[] histograms = v.histogramBytes();
    byte[] monthCost = v.monthCost().unscaledValue().toByteArray();
    ByteBuffer buf =
        ByteBuffer.allocate(
            countersSize(v.counters())
                + histograms.length
                + Long.BYTES
                + 2 * Integer.BYTES
                + monthCost.length);
    putCounters(buf, v.counters());
    buf.put(histograms);
    buf.putLong(v.monthStartMs()).putInt(v.monthCost().scale()).putInt(monthCost.length);
    buf.put(monthCost);
    return buf.array();
  }

  private static SeriesTotals readTotals(byte[] b) {
    ByteBuffer buf = ByteBuffer.wrap(b);
    UsageCounters counters = getCounters(buf);
    SeriesTotals read = SeriesTotals.of(counters, buf, 0L, BigDecimal.ZERO);
    if (!buf.hasRemaining()) {
      // Written before the month's cost was kept.
      return read;
    }
    long monthStartMs = buf.getLong();
    int scale = buf.getInt();
    byte[] unscaled = new byte[buf.getInt()];
    buf.get(unscaled);
    return new SeriesTotals(
        counters,
        read.ttft(),
        read.tpot(),
        read.e2e(),
        monthStartMs,
        new BigDecimal(new BigInteger(unscaled), scale));
  }

  private static HourlyValue readHourly(byte[] b) {
    ByteBuffer buf = ByteBuffer.wrap(b);
    UsageCounters counters = getCounters(buf);
    return new HourlyValue(counters, LatencySketches.fromBytes(buf));
  }

  private static byte[] writeEvent(InferenceEvent e) {
    Writer w = new Writer();
    w.buf.put(VERSION);
    w.string(e.eventId());
    w.string(e.tenant());
    w.string(e.model());
    w.ensure(Long.BYTES + 1 + 4 * Long.BYTES);
    w.buf.putLong(e.timestampMs());
    w.buf.put((byte) e.status().ordinal());
    w.buf.putLong(e.inputTokens());
    w.buf.putLong(e.cachedInputTokens());
    w.buf.putLong(e.outputTokens());
    w.buf.putLong(e.reasoningTokens());
    w.number(e.ttftMs());
    w.number(e.e2eMs());
    w.number(e.queueMs());
    w.string(e.sloClass());
    w.string(e.server());
    w.string(e.region());
    w.number(e.gpuSeconds());
    w.number(e.energyJoules());
    w.ensure(Integer.BYTES);
    w.buf.putInt(e.attributes().size());
    for (Map.Entry<String, String> a : e.attributes().entrySet()) {
      w.string(a.getKey());
      w.string(a.getValue());
    }
    return w.bytes();
  }

  private static InferenceEvent readEvent(byte[] b) {
    ByteBuffer buf = ByteBuffer.wrap(b);
    checkVersion(buf.get(), "event");
    String eventId = string(buf);
    String tenant = string(buf);
    String model = string(buf);
    long timestampMs = buf.getLong();
    Status status = Status.values()[buf.get()];
    long input = buf.getLong();
    long cached = buf.getLong();
    long output = buf.getLong();
    long reasoning = buf.getLong();
    Double ttftMs = number(buf);
    Double e2eMs = number(buf);
    Double queueMs = number(buf);
    String sloClass = string(buf);
    String server = string(buf);
    String region = string(buf);
    Double gpuSeconds = number(buf);
    Double energyJoules = number(buf);
    int attributeCount = buf.getInt();
    Map<String, String> attributes = new LinkedHashMap<>();
    for (int i = 0; i < attributeCount; i++) {
      attributes.put(string(buf), string(buf));
    }
    return new InferenceEvent(
        eventId,
        tenant,
        model,
        timestampMs,
        status,
        input,
        cached,
        output,
        reasoning,
        ttftMs,
        e2eMs,
        queueMs,
        sloClass,
        server,
        region,
        gpuSeconds,
        energyJoules,
        attributes);
  }

  private static void checkVersion(byte version, String what) {
    if (version != VERSION) {
      throw new SerializationException(
          "unknown " + what + " format version " + version + "; this release reads " + VERSION);
    }
  }

  private static String string(ByteBuffer buf) {
    int length = buf.getInt();
    if (length < 0) {
      return null;
    }
    String s = new String(buf.array(), buf.position(), length, StandardCharsets.UTF_8);
    buf.position(buf.position() + length);
    return s;
  }

  private static Double number(ByteBuffer buf) {
    return buf.get() == 0 ? null : buf.getDouble();
  }

  /** A growing buffer for variable-length values. */
  private static final class Writer {
    ByteBuffer buf = ByteBuffer.allocate(256);

    void ensure(int more) {
      if (buf.remaining() < more) {
        ByteBuffer bigger =
            ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more));
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    void string(String s) {
      if (s == null) {
        ensure(Integer.BYTES);
        buf.putInt(-1);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      ensure(Integer.BYTES + b.length);
      buf.putInt(b.length).put(b);
    }

    void number(Double d) {
      ensure(1 + Double.BYTES);
      if (d == null) {
        buf.put((byte) 0);
      } else {
        buf.put((byte) 1).putDouble(d);
      }
    }

    byte[] bytes() {
      byte[] out = new byte[buf.position()];
      System.arraycopy(buf.array(), 0, out, 0, out.length);
      return out;
    }
  }
}
