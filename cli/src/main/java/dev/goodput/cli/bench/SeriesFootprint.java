package dev.goodput.cli.bench;

import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.streams.api.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Memory and scrape time per active tenant x model series. Each run starts a fresh broker and
 * pipeline and grows the same state through the sizes, smallest first: at each size the series'
 * events are loaded (every series of that size gets at least one, so exactly that many are active)
 * and processed; then the heap (after full collections) and the bytes of the state stores on disk
 * (after a clean close, so that nothing is left in memtables) are compared with the empty
 * pipeline's, and {@code /metrics} is scraped with the cardinality guard off and at its default, on
 * the same state (the pipeline restarts on its local state in between).
 */
final class SeriesFootprint {

  static final String APPLICATION_ID = "bench-series";
  static final MetricsConfig GUARD_OFF = MetricsConfig.of(Map.of(MetricsConfig.MAX_TENANTS, "0"));
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private SeriesFootprint() {}

  /** The scrapes of one pipeline: times, and what the last one contained. */
  record Scrape(List<Double> ms, long bytes, long lines, long seriesExported) {}

  /**
   * One size in one run; the counts are of the records loaded for this size, the CPU is from
   * loading them to the last scrape.
   */
  record Run(
      int series,
      long records,
      double heapBytesPerSeries,
      double stateBytesPerSeries,
      long heapDeltaBytes,
      double marginalHeapBytesPerSeries,
      long heapNoiseBytes,
      long stateBytesEmpty,
      long stateBytes,
      Throughput.Counts counts,
      long uniqueEvents,
      Scrape guardOff,
      Scrape guardOn,
      CpuUsage cpu) {}

  /** One run through {@code sizes} (ascending), on a fresh broker in {@code dir}. */
  static List<Run> measure(
      Path dir,
      List<Integer> sizes,
      int eventsPerSeries,
      long seed,
      double duplicateRatio,
      int partitions,
      int threads,
      Path stateRoot,
      int scrapeRepeats,
      Progress progress)
      throws InterruptedException {
    List<Run> out = new ArrayList<>();
    Path state = Instances.stateDir(stateRoot, APPLICATION_ID, 0);
    try (BenchBroker broker = BenchBroker.start(dir, partitions)) {
      boolean guardOn = false;
      Instances pipeline = start(broker, partitions, threads, stateRoot, guardOn);
      try {
        pipeline.awaitQueryable();
        // The stores' fixed files (options, manifests) exist once they are open.
        long stateEmpty = stateBytes(state);
        long heapEmpty = heapAfterGc();
        // The same reading again: how far apart two readings of an unchanged heap are.
        long heapNoise = Math.abs(heapAfterGc() - heapEmpty);
        Map<Outcome, Long> before = new EnumMap<>(Outcome.class);
        long decided = 0;
        int lastSize = 0;
        long lastHeapDelta = 0;
        for (int size : sizes) {
          CpuUsage.Mark cpu = CpuUsage.mark();
          Workload workload = Workload.ofSeries(size, "bench-series-" + size, seed, duplicateRatio);
          long records = (long) size * eventsPerSeries;
          long nowMs = System.currentTimeMillis();
          long hourMs = Instant.ofEpochMilli(nowMs).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
          // All in the current hour: one hourly row per series.
          Loader.Loaded loaded =
              Loader.load(broker.bootstrap(), workload, records, hourMs, nowMs, progress);
          decided += records;
          Map<Outcome, Long> after = pipeline.awaitDecided(decided, progress).outcomes();
          Map<Outcome, Long> delta = new EnumMap<>(Outcome.class);
          after.forEach((o, n) -> delta.put(o, n - before.getOrDefault(o, 0L)));
          before.putAll(after);
          long heap = heapAfterGc();
          Scrape first = scrape(pipeline.first().apiUri(), scrapeRepeats);
          pipeline.close();
          pipeline = null;
          long stateFull = stateBytes(state);
          // The same state, served with the guard the other way.
          guardOn = !guardOn;
          pipeline = start(broker, partitions, threads, stateRoot, guardOn);
          pipeline.awaitQueryable();
          Scrape second = scrape(pipeline.first().apiUri(), scrapeRepeats);
          out.add(
              new Run(
                  size,
                  records,
                  (double) (heap - heapEmpty) / size,
                  (double) (stateFull - stateEmpty) / size,
                  heap - heapEmpty,
                  (double) (heap - heapEmpty - lastHeapDelta) / (size - lastSize),
                  heapNoise,
                  stateEmpty,
                  stateFull,
                  Throughput.Counts.of(delta),
                  loaded.uniqueEvents(),
                  guardOn ? first : second,
                  guardOn ? second : first,
                  CpuUsage.since(cpu)));
          lastSize = size;
          lastHeapDelta = heap - heapEmpty;
        }
      } finally {
        if (pipeline != null) {
          pipeline.close();
        }
        BenchBroker.deleteTree(state);
      }
    }
    return out;
  }

  private static Instances start(
      BenchBroker broker, int partitions, int threads, Path stateRoot, boolean guardOn) {
    return Instances.start(
        broker,
        APPLICATION_ID,
        StreamsConfig.EXACTLY_ONCE_V2,
        1,
        partitions,
        threads,
        stateRoot,
        guardOn ? MetricsConfig.DEFAULT : GUARD_OFF);
  }

  /** Heap in use after full collections: the least of three readings. */
  static long heapAfterGc() throws InterruptedException {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  /** Bytes of the state stores' files (RocksDB's informational LOG files left out). */
  static long stateBytes(Path dir) {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("LOG"))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException("could not measure " + dir, e);
    }
  }

  /**
   * Timed scrapes of {@code /metrics} (request to the last byte read): {@code repeats} of them, or
   * fewer when they take more than 20 s together (at least two, or one that took over 10 s), after
   * a warm-up scrape that only counts when it took over 2 s (when rendering, not compiling,
   * dominates).
   */
  static Scrape scrape(URI api, int repeats) {
    URI metrics = api.resolve("/metrics");
    List<Double> ms = new ArrayList<>();
    long warmUp = System.nanoTime();
    long[] last = read(metrics);
    double warmUpMs = (System.nanoTime() - warmUp) / 1e6;
    if (warmUpMs > 2_000) {
      ms.add(warmUpMs);
    }
    long budgetEnd = System.nanoTime() + 20_000_000_000L;
    while (ms.size() < repeats
        && (ms.size() < 2 || System.nanoTime() < budgetEnd)
        && !(ms.size() == 1 && ms.get(0) > 10_000)) {
      long start = System.nanoTime();
      last = read(metrics);
      ms.add((System.nanoTime() - start) / 1e6);
    }
    return new Scrape(ms, last[0], last[1], last[2]);
  }

  /** Bytes, lines and {@code inference_input_tokens_total} series of one scrape. */
  private static long[] read(URI metrics) {
    try {
      HttpResponse<InputStream> r =
          HTTP.send(
              HttpRequest.newBuilder(metrics).GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
      long bytes = 0;
      long lines = 0;
      long series = 0;
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8), 1 << 16)) {
        String line;
        while ((line = in.readLine()) != null) {
          bytes += line.length() + 1;
          lines++;
          if (line.startsWith("inference_input_tokens_total{")) {
            series++;
          }
        }
      }
      if (r.statusCode() != 200) {
        throw new IllegalStateException("/metrics answered " + r.statusCode());
      }
      return new long[] {bytes, lines, series};
    } catch (IOException e) {
      throw new UncheckedIOException("could not scrape " + metrics, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
