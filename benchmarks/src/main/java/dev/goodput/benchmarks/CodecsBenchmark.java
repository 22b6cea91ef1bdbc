package dev.goodput.benchmarks;

import dev.goodput.accounting.api.Accounting;
import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.SloPolicy;
import dev.goodput.accounting.api.Verdict;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.LatencySketches;
import dev.goodput.streams.api.SeriesTotals;
import dev.goodput.streams.api.UsageCounters;
import dev.goodput.streams.internal.Codecs;
import dev.goodput.streams.internal.HourlyValue;
import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The serdes of the repartition topic ({@link Codecs#EVENT}) and of the two usage stores ({@link
 * Codecs#HOURLY_VALUE}, {@link Codecs#SERIES_TOTALS}), whose values hold an hour's (or all time's)
 * 1,024 requests of a series. Kafka Streams' store cache keeps values serialized, so every accepted
 * event reads and writes both store values once: the {@code ...ReadModifyWrite} benchmarks are that
 * per-event cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecsBenchmark {

  private static final String TOPIC = "goodput-by-tenant-repartition";

  private InferenceEvent[] events;
  private byte[][] eventBytes;
  private UsageCounters[] ones;
  private double[] tpotMs;
  private HistogramEdges edges;
  private HourlyValue hourly;
  private byte[] hourlyBytes;
  private SeriesTotals totals;
  private byte[] totalsBytes;
  private int next;

  @Setup
  public void setUp() {
    events = Events.sample(System.currentTimeMillis());
    edges = HistogramEdges.of(Catalog.EMPTY);
    eventBytes = new byte[events.length][];
    ones = new UsageCounters[events.length];
    tpotMs = new double[events.length];
    UsageCounters sum = UsageCounters.ZERO;
    LatencySketches sketches = LatencySketches.empty();
    SeriesTotals t = SeriesTotals.empty();
    for (int i = 0; i < events.length; i++) {
      InferenceEvent e = events[i];
      eventBytes[i] = Codecs.EVENT.serializer().serialize(TOPIC, e);
      Verdict verdict = Accounting.judge(e, SloPolicy.DEFAULT);
      tpotMs[i] = verdict.tpotMs();
      ones[i] = UsageCounters.of(e, new BigDecimal("0.000123456"), verdict);
      sum = sum.plus(ones[i]);
      sketches.add(e, tpotMs[i]);
      t = t.plus(e, ones[i], tpotMs[i], edges);
    }
    hourly = new HourlyValue(sum, sketches);
    hourlyBytes = Codecs.HOURLY_VALUE.serializer().serialize(TOPIC, hourly);
    totals = t;
    totalsBytes = Codecs.SERIES_TOTALS.serializer().serialize(TOPIC, totals);
  }

  private int nextIndex() {
    return next++ & (Events.COUNT - 1);
  }

  @Benchmark
  public byte[] eventSerialize() {
    return Codecs.EVENT.serializer().serialize(TOPIC, events[nextIndex()]);
  }

  @Benchmark
  public InferenceEvent eventDeserialize() {
    return Codecs.EVENT.deserializer().deserialize(TOPIC, eventBytes[nextIndex()]);
  }

  @Benchmark
  public byte[] hourlySerialize() {
    return Codecs.HOURLY_VALUE.serializer().serialize(TOPIC, hourly);
  }

  @Benchmark
  public HourlyValue hourlyDeserialize() {
    return Codecs.HOURLY_VALUE.deserializer().deserialize(TOPIC, hourlyBytes);
  }

  @Benchmark
  public byte[] totalsSerialize() {
    return Codecs.SERIES_TOTALS.serializer().serialize(TOPIC, totals);
  }

  @Benchmark
  public SeriesTotals totalsDeserialize() {
    return Codecs.SERIES_TOTALS.deserializer().deserialize(TOPIC, totalsBytes);
  }

  /** Read the hourly row, add one event (counters and sketches), write it back. */
  @Benchmark
  public byte[] hourlyReadModifyWrite() {
    int i = nextIndex();
    HourlyValue row = Codecs.HOURLY_VALUE.deserializer().deserialize(TOPIC, hourlyBytes);
    row.sketches().add(events[i], tpotMs[i]);
    return Codecs.HOURLY_VALUE
        .serializer()
        .serialize(TOPIC, new HourlyValue(row.counters().plus(ones[i]), row.sketches()));
  }

  /** Read the series totals, add one event (counters and histograms), write them back. */
  @Benchmark
  public byte[] totalsReadModifyWrite() {
    int i = nextIndex();
    SeriesTotals row = Codecs.SERIES_TOTALS.deserializer().deserialize(TOPIC, totalsBytes);
    return Codecs.SERIES_TOTALS
        .serializer()
        .serialize(TOPIC, row.plus(events[i], ones[i], tpotMs[i], edges));
  }
}
