package dev.goodput.benchmarks;

import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.ParseResult;
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

/** {@link EventParser#parse}: one input record's JSON to a validated event (the first step). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ParseBenchmark {

  private InferenceEvent[] events;
  private byte[][] records;
  private long nowMs;
  private int next;

  @Setup
  public void setUp() {
    nowMs = System.currentTimeMillis();
    events = Events.sample(nowMs);
    records = new byte[events.length][];
    for (int i = 0; i < events.length; i++) {
      records[i] = EventWriter.toJson(events[i]);
    }
  }

  @Benchmark
  public ParseResult parse() {
    return EventParser.parse(records[next++ & (Events.COUNT - 1)], nowMs);
  }

  /** The reverse direction, as the fleet and {@code goodput bench} produce events. */
  @Benchmark
  public byte[] write() {
    return EventWriter.toJson(events[next++ & (Events.COUNT - 1)]);
  }
}
