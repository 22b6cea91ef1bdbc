package dev.goodput.benchmarks;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.exporters.internal.MetricsEndpoint;
import dev.goodput.exporters.internal.PersistedTotalsExposition;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.SeriesTotals;
import dev.goodput.streams.api.TopologyFixture;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code /metrics} scrape of {@code series} tenant x model series, without the cardinality
 * guard, in-process (no HTTP): reading the persisted totals from RocksDB, and rendering them as
 * text, plain or gzipped at the fastest level (what Prometheus asks for). The stores are filled by
 * the production topology with the fleet's events, four per series.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScrapeBenchmark {

  private static final int MODELS = 4;
  private static final int EVENTS_PER_SERIES = 4;

  @Param({"1000", "10000"})
  public int series;

  private Path dir;
  private TopologyFixture fixture;
  private MetricsEndpoint endpoint;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("goodput-scrape-bench");
    fixture = new TopologyFixture(dir);
    InferenceEvent[] sample = Events.sample(TopologyFixture.WALL_CLOCK.toEpochMilli());
    int tenants = series / MODELS;
    int n = 0;
    for (int t = 0; t < tenants; t++) {
      for (int m = 0; m < MODELS; m++) {
        for (int e = 0; e < EVENTS_PER_SERIES; e++) {
          InferenceEvent s = sample[n++ % Events.COUNT];
          fixture.pipe(
              new InferenceEvent(
                  "e" + n,
                  String.format("tenant-%05d", t),
                  "model-" + m,
                  s.timestampMs(),
                  s.status(),
                  s.inputTokens(),
                  s.cachedInputTokens(),
                  s.outputTokens(),
                  s.reasoningTokens(),
                  s.ttftMs(),
                  s.e2eMs(),
                  s.queueMs(),
                  s.sloClass(),
                  s.server(),
                  s.region(),
                  s.gpuSeconds(),
                  s.energyJoules(),
                  s.attributes()));
        }
      }
    }
    Map<SeriesKey, SeriesTotals> totals = fixture.queries.totals();
    if (totals.size() != series) {
      throw new IllegalStateException(totals.size() + " series instead of " + series);
    }
    endpoint =
        new MetricsEndpoint(
            new PersistedTotalsExposition(
                fixture.queries,
                HistogramEdges.of(Catalog.EMPTY),
                MetricsConfig.of(Map.of("max.tenants", "0")),
                TopologyFixture.WALL_CLOCK::toEpochMilli),
            new PrometheusRegistry());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    fixture.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Reading and decoding every series' totals from the store. */
  @Benchmark
  public Map<SeriesKey, SeriesTotals> readTotals() {
    return fixture.queries.totals();
  }

  /** The whole scrape as text: read, fold, render. Returns the bytes written. */
  @Benchmark
  public long renderText() throws IOException {
    Counting out = new Counting();
    endpoint.write(out);
    return out.bytes;
  }

  /** The same, gzipped at the fastest level as {@code /metrics} does when Prometheus asks. */
  @Benchmark
  public long renderGzip() throws IOException {
    Counting out = new Counting();
    try (GZIPOutputStream zip =
        new GZIPOutputStream(out, 1 << 16) {
          {
            def.setLevel(Deflater.BEST_SPEED);
          }
        }) {
      endpoint.write(zip);
    }
    return out.bytes;
  }

  /** Counts what it is given and keeps nothing. */
  private static final class Counting extends OutputStream {
    long bytes;

    @Override
    public void write(int b) {
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
    }
  }
}
