package dev.goodput.cli.bench;

import dev.goodput.streams.api.StreamsAppConfig;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code goodput bench} measures and at what size.
 *
 * @param records records pre-loaded for the ceiling, throughput and scaling phases
 * @param runs runs of every measurement; the report gives their median
 * @param warmupRuns at most this many exactly-once pipeline runs before the measured ones, not
 *     counted: they stop after the first (from the second on) in which the JIT compiled on less
 *     than a tenth of a core
 * @param tenants tenants of the throughput and freshness traffic (ServeGen skew)
 * @param series sizes (active tenant x model series) of the memory and scrape phases
 * @param eventsPerSeries records per series in the memory and scrape phases
 * @param duplicateRatio share of records that are resends of an earlier event
 * @param partitions partitions of the input topic (and so of the pipeline's tasks)
 * @param streamThreads stream threads per pipeline instance (the product's default: the cores)
 * @param freshnessLoad the live rate of the freshness phase, as a share of the exactly-once rate
 * @param freshnessRate the live rate in events/s; 0 derives it from {@code freshnessLoad}
 * @param warmupSeconds length of each freshness warm-up window: they go on before the measured ones
 *     until the JIT compiled on less than a tenth of a core in one (at most 6)
 * @param windowSeconds length of each freshness window
 * @param scrapeRepeats timed scrapes per pipeline in the scrape phase
 * @param seed seed of every random draw
 * @param phases the phases to run
 * @param dataDir where the brokers and state stores live during the run
 * @param profile where to write a flight recording of the first exactly-once run, or null
 */
public record BenchSettings(
    long records,
    int runs,
    int warmupRuns,
    int tenants,
    List<Integer> series,
    int eventsPerSeries,
    double duplicateRatio,
    int partitions,
    int streamThreads,
    double freshnessLoad,
    double freshnessRate,
    int warmupSeconds,
    int windowSeconds,
    int scrapeRepeats,
    long seed,
    Set<Phase> phases,
    Path dataDir,
    Path profile) {

  /** The parts of the benchmark. */
  public enum Phase {
    CEILING,
    THROUGHPUT,
    FRESHNESS,
    MEMORY,
    SCALING
  }

  public BenchSettings {
    series = List.copyOf(series);
    phases = phases.isEmpty() ? EnumSet.noneOf(Phase.class) : EnumSet.copyOf(phases);
    if (records < 1
        || runs < 1
        || warmupRuns < 0
        || tenants < 1
        || eventsPerSeries < 2
        || partitions < 1
        || streamThreads < 1) {
      throw new IllegalArgumentException(
          "records, runs, tenants, partitions and stream threads must be >= 1 and events per"
              + " series >= 2");
    }
    if (series.stream().anyMatch(s -> s < 1)) {
      throw new IllegalArgumentException("every series size must be >= 1, got " + series);
    }
    if (!(freshnessLoad > 0 && freshnessLoad <= 1) || freshnessRate < 0) {
      throw new IllegalArgumentException("the freshness load must be in (0, 1], the rate >= 0");
    }
  }

  /**
   * The full benchmark at its default size: about 15 minutes on a 2-core machine. Runs are long
   * enough that the JIT, which compiles for seconds of CPU after every new phase, is a small part
   * of each; a freshness window holds 200 probes, so its p99 is not just its slowest probe.
   */
  public static BenchSettings defaults(Path dataDir) {
    return new BenchSettings(
        1_000_000,
        3,
        8,
        1_000,
        List.of(1_000, 10_000, 100_000),
        3,
        0.01,
        6,
        StreamsAppConfig.DEFAULT_STREAM_THREADS,
        0.5,
        0,
        20,
        20,
        5,
        42,
        EnumSet.allOf(Phase.class),
        dataDir,
        null);
  }

  /** Every phase at a size for CI: well under a minute of measuring. */
  public static BenchSettings quick(Path dataDir) {
    return new BenchSettings(
        20_000,
        1,
        0,
        200,
        List.of(1_000),
        3,
        0.01,
        6,
        StreamsAppConfig.DEFAULT_STREAM_THREADS,
        0.5,
        0,
        2,
        4,
        3,
        42,
        EnumSet.allOf(Phase.class),
        dataDir,
        null);
  }

  public boolean runs(Phase phase) {
    return phases.contains(phase);
  }
}
