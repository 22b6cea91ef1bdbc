package dev.goodput.cli.bench;

import dev.goodput.cli.internal.Pipeline;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.streams.api.ApiConfig;
import dev.goodput.streams.api.NotReadyException;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.StreamsAppConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One or more instances of the pipeline sharing one application id on the benchmark's broker, each
 * with its own state directory and API on a free port.
 */
final class Instances implements AutoCloseable {

  /** How long processing may make no progress before a run is declared failed. */
  static final long STALL_NS = 120_000_000_000L;

  private static final long REPORT_NS = 15_000_000_000L;

  /** How often the outcome counts are read while waiting. */
  private static final long POLL_MS = 50;

  private final List<Pipeline> pipelines;
  private final long startNs;

  private Instances(List<Pipeline> pipelines, long startNs) {
    this.pipelines = pipelines;
    this.startNs = startNs;
  }

  /** The streams settings of one instance. */
  static StreamsAppConfig streamsConfig(
      String applicationId, Path stateDir, String guarantee, int partitions, int threads) {
    Map<String, String> m = new HashMap<>(BenchBroker.topics(partitions));
    m.put(StreamsAppConfig.NUM_STREAM_THREADS, Integer.toString(threads));
    m.put(StreamsAppConfig.APPLICATION_ID, applicationId);
    m.put(StreamsAppConfig.STATE_DIR, stateDir.toString());
    m.put(StreamsAppConfig.PROCESSING_GUARANTEE, guarantee);
    return new StreamsAppConfig(m);
  }

  /**
   * Starts {@code count} instances of application {@code applicationId}; instance {@code i} keeps
   * its state in {@code stateRoot/applicationId-i}.
   */
  static Instances start(
      BenchBroker broker,
      String applicationId,
      String guarantee,
      int count,
      int partitions,
      int threads,
      Path stateRoot,
      MetricsConfig metrics) {
    long startNs = System.nanoTime();
    List<Pipeline> started = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        started.add(
            Pipeline.start(
                broker.clients(),
                streamsConfig(
                    applicationId,
                    stateDir(stateRoot, applicationId, i),
                    guarantee,
                    partitions,
                    threads),
                new ApiConfig(Map.of(ApiConfig.PORT, "0")),
                broker.edges(),
                metrics));
      }
    } catch (RuntimeException e) {
      started.forEach(Pipeline::close);
      throw e;
    }
    return new Instances(started, startNs);
  }

  static Path stateDir(Path stateRoot, String applicationId, int instance) {
    return stateRoot.resolve(applicationId + "-" + instance);
  }

  /** When {@link #start} was called, by {@link System#nanoTime()}. */
  long startNs() {
    return startNs;
  }

  Pipeline first() {
    return pipelines.get(0);
  }

  /**
   * The outcome counts summed over the instances, or empty while any of them cannot answer
   * (starting, rebalancing).
   */
  Optional<Map<Outcome, Long>> outcomes() {
    Map<Outcome, Long> sum = new EnumMap<>(Outcome.class);
    for (Pipeline p : pipelines) {
      if (p.streams().state() != KafkaStreams.State.RUNNING) {
        return Optional.empty();
      }
      try {
        p.queries().outcomes().forEach((o, n) -> sum.merge(o, n, Long::sum));
      } catch (NotReadyException e) {
        return Optional.empty();
      }
    }
    return Optional.of(sum);
  }

  /** Records the instances restored from changelogs into their task stores since they started. */
  long restoredRecords() {
    return pipelines.stream().mapToLong(Pipeline::restoredRecords).sum();
  }

  /** Fails if an instance has stopped. */
  void checkAlive() {
    for (Pipeline p : pipelines) {
      KafkaStreams.State s = p.streams().state();
      if (s == KafkaStreams.State.ERROR
          || s == KafkaStreams.State.PENDING_ERROR
          || s == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("a pipeline instance stopped (state " + s + ")");
      }
    }
  }

  /** What {@link #awaitDecided} saw. */
  record Completion(
      long firstNs, long firstDecided, long doneNs, Map<Outcome, Long> outcomes, CpuUsage cpu) {}

  /**
   * Waits until the instances have decided the outcome of {@code records} records, polling every 50
   * ms, with a progress line every 15 s.
   *
   * @throws IllegalStateException if more are decided, an instance fails, or processing stalls
   */
  Completion awaitDecided(long records, Progress progress) throws InterruptedException {
    long nextReportNs = System.nanoTime() + REPORT_NS;
    long firstNs = 0;
    long firstDecided = 0;
    CpuUsage.Mark cpu = CpuUsage.mark();
    long lastDecided = -1;
    long lastProgressNs = System.nanoTime();
    while (true) {
      checkAlive();
      Optional<Map<Outcome, Long>> o = outcomes();
      long now = System.nanoTime();
      if (o.isPresent()) {
        long decided = o.get().values().stream().mapToLong(Long::longValue).sum();
        if (decided > 0 && firstNs == 0) {
          firstNs = now;
          firstDecided = decided;
          cpu = CpuUsage.mark();
        }
        if (decided != lastDecided) {
          lastDecided = decided;
          lastProgressNs = now;
        }
        if (now > nextReportNs) {
          progress.detail("%,d of %,d records decided", decided, records);
          nextReportNs = now + REPORT_NS;
        }
        if (decided == records) {
          return new Completion(firstNs, firstDecided, now, o.get(), CpuUsage.since(cpu));
        }
        if (decided > records) {
          throw new IllegalStateException(
              "decided " + decided + " records, but only " + records + " were loaded");
        }
      }
      if (now - lastProgressNs > STALL_NS) {
        throw new IllegalStateException(
            "no progress for "
                + STALL_NS / 1_000_000_000L
                + " s: "
                + Math.max(lastDecided, 0)
                + " of "
                + records
                + " records decided");
      }
      Thread.sleep(POLL_MS);
    }
  }

  /** Waits until every instance is running and its stores answer. */
  void awaitQueryable() throws InterruptedException {
    long deadline = System.nanoTime() + STALL_NS;
    while (outcomes().isEmpty()) {
      checkAlive();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the pipeline did not become queryable");
      }
      Thread.sleep(25);
    }
  }

  @Override
  public void close() {
    pipelines.forEach(Pipeline::close);
  }
}
