package dev.goodput.cli.bench;

import com.sun.management.GcInfo;
import dev.goodput.cli.internal.Pipeline;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.streams.api.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Memory and scrape time per active tenant x model series. Each run starts a fresh broker and
 * pipeline and grows the same state through the sizes, smallest first: at each size the series'
 * events are loaded (every series of that size gets at least one, so exactly that many are active)
 * and processed; then the heap (after full collections) and the bytes of the state stores on disk
 * (after a clean close, so that nothing is left in memtables) are compared with the pipeline's
 * before, and {@code /metrics} is scraped with the cardinality guard off and at its default, on the
 * same state (the pipeline restarts on its local state in between).
 *
 * <p>The heap is compared with the pipeline's after a first, small load of a tenth of the smallest
 * size's series (they are the first series of every size), not with the empty pipeline's. An
 * instance's clients create their per-partition and per-topic state (metrics, the producers' pools
 * of batch buffers) at its first traffic: a few MB per instance whatever the series, which divided
 * by the smallest size read as several KB per series. That fixed part is reported on its own
 * ({@link Run#fixedHeapBytes}). The state on disk is still compared with the empty pipeline's.
 */
final class SeriesFootprint {

  static final String APPLICATION_ID = "bench-series";
  static final MetricsConfig GUARD_OFF = MetricsConfig.of(Map.of(MetricsConfig.MAX_TENANTS, "0"));
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** Two commit intervals (the pipeline's default of 1 s). */
  private static final long SETTLE_MS = 2_000;

  /** The first load, before the heap is read as the baseline: this share of the smallest size. */
  private static final int FIRST_LOAD_DIVISOR = 10;

  private SeriesFootprint() {}

  /**
   * The scrapes of one pipeline: times plain and gzipped (as Prometheus asks), and what the last
   * ones contained.
   */
  record Scrape(
      List<Double> renderMs,
      List<Double> ms,
      List<Double> gzipMs,
      long bytes,
      long gzipBytes,
      long lines,
      long seriesExported) {}

  /**
   * One size in one run; the counts are of the records loaded for this size, the CPU is from
   * loading them to the last scrape. The heap per series is over the series added since the
   * baseline ({@code series - baselineSeries}); {@code fixedHeapBytes} is the baseline's heap over
   * the empty pipeline's.
   */
  record Run(
      int series,
      long records,
      int baselineSeries,
      long fixedHeapBytes,
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
        int baselineSeries = sizes.get(0) / FIRST_LOAD_DIVISOR;
        long decided = (long) baselineSeries * eventsPerSeries;
        Map<Outcome, Long> before = new EnumMap<>(Outcome.class);
        long heapBaseline = heapEmpty;
        if (baselineSeries > 0) {
          loadSeries(
              broker,
              "bench-series-first",
              baselineSeries,
              decided,
              seed,
              duplicateRatio,
              progress);
          before.putAll(pipeline.awaitDecided(decided, progress).outcomes());
          Thread.sleep(SETTLE_MS);
          heapBaseline = heapAfterGc();
        }
        int lastSize = baselineSeries;
        long lastHeapDelta = 0;
        for (int size : sizes) {
          CpuUsage.Mark cpu = CpuUsage.mark();
          long records = (long) size * eventsPerSeries;
          Loader.Loaded loaded =
              loadSeries(
                  broker, "bench-series-" + size, size, records, seed, duplicateRatio, progress);
          decided += records;
          Map<Outcome, Long> after = pipeline.awaitDecided(decided, progress).outcomes();
          Map<Outcome, Long> delta = new EnumMap<>(Outcome.class);
          after.forEach((o, n) -> delta.put(o, n - before.getOrDefault(o, 0L)));
          before.putAll(after);
          // Counts are visible once published (every 100 ms); the published snapshots of the
          // changed rows stay until the next commit (every second) writes the rows. Read the heap
          // once they are written, not at a moment that has them or not by chance.
          Thread.sleep(SETTLE_MS);
          long heap = heapAfterGc();
          Scrape first = scrape(pipeline.first(), scrapeRepeats);
          pipeline.close();
          pipeline = null;
          long stateFull = stateBytes(state);
          // The same state, served with the guard the other way.
          guardOn = !guardOn;
          pipeline = start(broker, partitions, threads, stateRoot, guardOn);
          pipeline.awaitQueryable();
          Scrape second = scrape(pipeline.first(), scrapeRepeats);
          out.add(
              new Run(
                  size,
                  records,
                  baselineSeries,
                  heapBaseline - heapEmpty,
                  (double) (heap - heapBaseline) / (size - baselineSeries),
                  (double) (stateFull - stateEmpty) / size,
                  heap - heapBaseline,
                  (double) (heap - heapBaseline - lastHeapDelta) / (size - lastSize),
                  heapNoise,
                  stateEmpty,
                  stateFull,
                  Throughput.Counts.of(delta),
                  loaded.uniqueEvents(),
                  guardOn ? first : second,
                  guardOn ? second : first,
                  CpuUsage.since(cpu)));
          lastSize = size;
          lastHeapDelta = heap - heapBaseline;
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

  /** Loads {@code records} of the first {@code series} series, all in the current hour. */
  private static Loader.Loaded loadSeries(
      BenchBroker broker,
      String runId,
      int series,
      long records,
      long seed,
      double duplicateRatio,
      Progress progress) {
    Workload workload = Workload.ofSeries(series, runId, seed, duplicateRatio);
    long nowMs = System.currentTimeMillis();
    long hourMs = Instant.ofEpochMilli(nowMs).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
    // All in the current hour: one hourly row per series.
    return Loader.load(broker.bootstrap(), workload, records, hourMs, nowMs, progress);
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

  /**
   * Heap in use right after a full collection, as the collector itself reports it (the heap pools'
   * usage after its last collection): the least of three. Reading the heap's usage once the
   * collection has returned also counted what the pipeline's threads allocated in between (the
   * readings of one unchanged heap at 1,000 series spread by up to 4 KB per series).
   */
  static long heapAfterGc() throws InterruptedException {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      Thread.sleep(200);
      System.gc();
      // At once: the latest collection is this full one, not a young one of the traffic since.
      least = Math.min(least, usedAfterLastCollection());
    }
    return least;
  }

  /**
   * The heap pools' usage after the latest collection of any collector; the heap in use now where
   * the JVM does not report collections (not a HotSpot one).
   */
  private static long usedAfterLastCollection() {
    GcInfo latest = null;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof com.sun.management.GarbageCollectorMXBean hotspot) {
        GcInfo info = hotspot.getLastGcInfo();
        if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
          latest = info;
        }
      }
    }
    if (latest == null) {
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage after = latest.getMemoryUsageAfterGc().get(pool.getName());
      if (pool.getType() == MemoryType.HEAP && after != null) {
        used += after.getUsed();
      }
    }
    return used;
  }

  /**
   * Bytes of the state stores' files (RocksDB's informational LOG files left out). Files RocksDB
   * removes while they are listed (its temporary {@code .dbtmp} files, obsolete ones) count as
   * gone: a listing failed on one once, at the start of a run.
   */
  static long stateBytes(Path dir) {
    if (!Files.exists(dir)) {
      return 0;
    }
    long[] total = {0};
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (attrs.isRegularFile() && !file.getFileName().toString().startsWith("LOG")) {
                total[0] += attrs.size();
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("could not measure " + dir, e);
    }
    return total[0];
  }

  /**
   * The render alone, then timed scrapes of {@code /metrics}. The render: what {@code /metrics}
   * writes, in-process, into a stream that only counts it, {@code repeats} times after one to warm
   * up. The scrapes (request to the last byte read), plain then gzipped: {@code repeats} of each,
   * or fewer when they take more than 20 s together (at least two, or one that took over 10 s),
   * after a warm-up scrape that only counts when it took over 2 s (when rendering, not compiling,
   * dominates). The client only counts bytes, lines and series as they arrive (gzipped: only
   * bytes), so their time is the server's rendering and the transfer.
   */
  static Scrape scrape(Pipeline pipeline, int repeats) {
    List<Double> render = new ArrayList<>();
    for (int i = 0; i <= repeats; i++) {
      long start = System.nanoTime();
      try {
        pipeline.metrics().scrape(OutputStream.nullOutputStream());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (i > 0) {
        render.add((System.nanoTime() - start) / 1e6);
      }
    }
    URI metrics = pipeline.apiUri().resolve("/metrics");
    Timed plain = timed(metrics, false, repeats);
    Timed gzip = timed(metrics, true, repeats);
    return new Scrape(
        render,
        plain.ms,
        gzip.ms,
        plain.last.bytes,
        gzip.last.bytes,
        plain.last.lines,
        plain.last.series);
  }

  private record Timed(List<Double> ms, Body last) {}

  private static Timed timed(URI metrics, boolean gzip, int repeats) {
    List<Double> ms = new ArrayList<>();
    long warmUp = System.nanoTime();
    Body last = read(metrics, gzip);
    double warmUpMs = (System.nanoTime() - warmUp) / 1e6;
    if (warmUpMs > 2_000) {
      ms.add(warmUpMs);
    }
    long budgetEnd = System.nanoTime() + 20_000_000_000L;
    while (ms.size() < repeats
        && (ms.size() < 2 || System.nanoTime() < budgetEnd)
        && !(ms.size() == 1 && ms.get(0) > 10_000)) {
      long start = System.nanoTime();
      last = read(metrics, gzip);
      ms.add((System.nanoTime() - start) / 1e6);
    }
    return new Timed(ms, last);
  }

  /** Bytes, lines and {@code inference_input_tokens_total} series of one response body. */
  private static final class Body {
    private static final byte[] SERIES =
        "\ninference_input_tokens_total{".getBytes(StandardCharsets.US_ASCII);
    long bytes;
    long lines;
    long series;
    private int matched = 1; // the body's start counts as a line start

    void count(byte[] b, int len) {
      bytes += len;
      for (int i = 0; i < len; i++) {
        byte c = b[i];
        if (c == '\n') {
          lines++;
          matched = 1;
        } else if (matched > 0 && c == SERIES[matched]) {
          if (++matched == SERIES.length) {
            series++;
            matched = 0;
          }
        } else {
          matched = 0;
        }
      }
    }
  }

  private static Body read(URI metrics, boolean gzip) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(metrics).GET();
      if (gzip) {
        request.header("Accept-Encoding", "gzip");
      }
      HttpResponse<InputStream> r =
          HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      Body body = new Body();
      byte[] buf = new byte[1 << 16];
      try (InputStream in = r.body()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          if (gzip) {
            body.bytes += n;
          } else {
            body.count(buf, n);
          }
        }
      }
      if (r.statusCode() != 200) {
        throw new IllegalStateException("/metrics answered " + r.statusCode());
      }
      if (gzip && !r.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
        throw new IllegalStateException("/metrics did not gzip when asked to");
      }
      return body;
    } catch (IOException e) {
      throw new UncheckedIOException("could not scrape " + metrics, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
