package dev.goodput.benchmarks;

import dev.goodput.accounting.api.Accounting;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.LatencySketches;
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
 * {@link LatencySketches#add}: one request's TTFT, TPOT and end-to-end latency into the three
 * DDSketches of an hourly row that already holds the hour's earlier requests.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SketchBenchmark {

  private InferenceEvent[] events;
  private double[] tpotMs;
  private LatencySketches sketches;
  private int next;

  @Setup
  public void setUp() {
    events = Events.sample(System.currentTimeMillis());
    tpotMs = new double[events.length];
    sketches = LatencySketches.empty();
    for (int i = 0; i < events.length; i++) {
      tpotMs[i] = Accounting.tpotMs(events[i]);
      sketches.add(events[i], tpotMs[i]);
    }
  }

  @Benchmark
  public LatencySketches insert() {
    int i = next++ & (Events.COUNT - 1);
    sketches.add(events[i], tpotMs[i]);
    return sketches;
  }

  /** A new row's sketches and its first request: what the first event of a series-hour costs. */
  @Benchmark
  public LatencySketches insertIntoEmpty() {
    int i = next++ & (Events.COUNT - 1);
    LatencySketches s = LatencySketches.empty();
    s.add(events[i], tpotMs[i]);
    return s;
  }
}
