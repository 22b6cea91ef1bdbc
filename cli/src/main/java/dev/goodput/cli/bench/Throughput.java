package dev.goodput.cli.bench;

import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.ParseResult;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.Topics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The ceiling (a plain consumer) and the pipeline's throughput on a pre-loaded input topic. */
final class Throughput {

  private Throughput() {}

  /** The outcome counts of a run. */
  record Counts(long records, long accepted, long duplicate, long rejected, long expired) {
    static Counts of(Map<Outcome, Long> o) {
      long accepted = o.getOrDefault(Outcome.ACCEPTED, 0L);
      long duplicate = o.getOrDefault(Outcome.DUPLICATE, 0L);
      long rejected = o.getOrDefault(Outcome.REJECTED, 0L);
      long expired = o.getOrDefault(Outcome.EXPIRED, 0L);
      return new Counts(
          accepted + duplicate + rejected + expired, accepted, duplicate, rejected, expired);
    }
  }

  /**
   * One ceiling run: how many times the input was read, records read and parsed in all, how many
   * were valid, events per second; {@code consumerUsPerEvent} is the CPU time of the consumer's
   * thread (its polls and the parsing) per record read, NaN where the JVM does not measure a
   * thread's CPU time (for the Kafka Streams floor, which has this shape too, its stream threads'
   * in the steady part).
   */
  record CeilingRun(
      int passes,
      long records,
      long valid,
      double eventsPerS,
      double consumerUsPerEvent,
      CpuUsage cpu) {

    /** Its rate, the CPU per event of {@code threads} (what did the reading) and the CPU. */
    String summary(String threads) {
      return String.format(
          Locale.ROOT,
          "%,.0f events/s (%s %.2f us/event; CPU: %.2f cores this process, %.2f others)",
          eventsPerS,
          threads,
          consumerUsPerEvent,
          cpu.processCores(),
          cpu.otherCores());
    }
  }

  /** Reads of the input per ceiling run: enough for about a million records, at most 10. */
  static int ceilingPasses(long records) {
    return (int) Math.max(1, Math.min(10, (1_000_000 + records - 1) / records));
  }

  /**
   * Reads the whole input topic from the beginning with one plain consumer, {@link #ceilingPasses}
   * times, and parses every value with the pipeline's parser.
   */
  static CeilingRun ceiling(String bootstrap, long records) {
    int passes = ceilingPasses(records);
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
    // At the end of a pass the broker holds a fetch until data or this timeout: keep it short, or
    // the next pass waits for it.
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.REQUESTS.name()).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      consumer.assign(partitions);
      CpuUsage.Mark cpu = CpuUsage.mark();
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      boolean threadCpu =
          threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
      long consumerNs = threadCpu ? threads.getCurrentThreadCpuTime() : 0;
      long start = System.nanoTime();
      long lastProgress = start;
      long read = 0;
      long valid = 0;
      for (int pass = 1; pass <= passes; pass++) {
        consumer.seekToBeginning(partitions);
        long end = (long) pass * records;
        while (read < end) {
          var batch = consumer.poll(Duration.ofMillis(100));
          long nowMs = System.currentTimeMillis();
          for (ConsumerRecord<byte[], byte[]> r : batch) {
            if (EventParser.parse(r.value(), nowMs) instanceof ParseResult.Valid) {
              valid++;
            }
            read++;
          }
          long now = System.nanoTime();
          if (!batch.isEmpty()) {
            lastProgress = now;
          } else if (now - lastProgress > Instances.STALL_NS) {
            throw new IllegalStateException(
                "the ceiling consumer read " + read + " of " + records + " records, then stalled");
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double consumerUs =
          threadCpu ? (threads.getCurrentThreadCpuTime() - consumerNs) / 1e3 / read : Double.NaN;
      return new CeilingRun(passes, read, valid, read / seconds, consumerUs, CpuUsage.since(cpu));
    }
  }

  /**
   * One pipeline run: total rate (records over the time from start to the last decision, start-up
   * and rebalancing included), steady rate (from the first decision seen on), and the CPU used in
   * the steady part.
   */
  record Run(
      String applicationId,
      int instances,
      double totalEventsPerS,
      double steadyEventsPerS,
      double startupSeconds,
      double seconds,
      Counts counts,
      CpuUsage steadyCpu,
      Restart restart) {}

  /**
   * The same instances started again on their own state after a clean stop: the time until they
   * answer queries for every partition, and the records they restored from the changelogs first
   * (none, unless Kafka Streams distrusted a store and wiped its task).
   */
  record Restart(double secondsToQueryable, long restoredRecords) {}

  /**
   * Runs {@code instances} fresh instances of a new application over the pre-loaded input until
   * every record is decided, then stops them, with {@code restart} starts them again on their state
   * and stops them once they answer (the counts must be those they stopped with), and deletes their
   * state and internal topics.
   */
  static Run run(
      BenchBroker broker,
      String applicationId,
      String guarantee,
      int instances,
      int partitions,
      int threads,
      long records,
      Path stateRoot,
      boolean restart,
      Progress progress)
      throws InterruptedException {
    Supplier<Instances> start =
        () ->
            Instances.start(
                broker,
                applicationId,
                guarantee,
                instances,
                partitions,
                threads,
                stateRoot,
                MetricsConfig.DEFAULT);
    Instances.Completion c;
    long startNs;
    try (Instances running = start.get()) {
      startNs = running.startNs();
      c = running.awaitDecided(records, progress);
    }
    Restart again = null;
    if (restart) {
      long restartNs = System.nanoTime();
      try (Instances resumed = start.get()) {
        resumed.awaitQueryable();
        double seconds = (System.nanoTime() - restartNs) / 1e9;
        Map<Outcome, Long> counts = resumed.outcomes().orElseThrow();
        if (!counts.equals(c.outcomes())) {
          throw new IllegalStateException(
              applicationId
                  + ": restarted on its state with outcomes "
                  + counts
                  + ", stopped with "
                  + c.outcomes());
        }
        again = new Restart(seconds, resumed.restoredRecords());
      }
    }
    broker.deleteInternalTopics(applicationId);
    for (int i = 0; i < instances; i++) {
      BenchBroker.deleteTree(Instances.stateDir(stateRoot, applicationId, i));
    }
    double seconds = (c.doneNs() - startNs) / 1e9;
    double steadySeconds = (c.doneNs() - c.firstNs()) / 1e9;
    return new Run(
        applicationId,
        instances,
        records / seconds,
        steadySeconds > 0 ? (records - c.firstDecided()) / steadySeconds : Double.NaN,
        (c.firstNs() - startNs) / 1e9,
        seconds,
        Counts.of(c.outcomes()),
        c.cpu(),
        again);
  }
}
