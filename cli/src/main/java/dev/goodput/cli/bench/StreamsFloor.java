package dev.goodput.cli.bench;

import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.ParseResult;
import dev.goodput.streams.api.StreamsAppConfig;
import dev.goodput.streams.api.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The most any Kafka Streams application could do with the input on this machine: the pipeline's
 * Kafka Streams settings (the same guarantee, threads, commit interval and client settings) over a
 * topology of one processor that parses every record with the pipeline's parser and keeps nothing:
 * no state store, no changelog, no output. What the pipeline takes beyond this is its own work
 * (dedup, accounting, the stores); what this takes beyond the plain consumer's ceiling is Kafka
 * Streams' per-record runtime and its transactions.
 */
final class StreamsFloor {

  private static final long POLL_MS = 20;

  private StreamsFloor() {}

  /** Parses each record and counts it; nothing else. */
  private static final class ParseOnly implements Processor<byte[], byte[], Void, Void> {
    private final LongAdder read;
    private final LongAdder valid;
    private ProcessorContext<Void, Void> context;

    ParseOnly(LongAdder read, LongAdder valid) {
      this.read = read;
      this.valid = valid;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      if (EventParser.parse(record.value(), context.currentSystemTimeMs())
          instanceof ParseResult.Valid) {
        valid.increment();
      }
      read.increment();
    }
  }

  /**
   * One run of a fresh application over the whole pre-loaded input: events per second from the
   * first record processed to the last (start-up left out, as in the pipeline's steady rate).
   */
  static Throughput.CeilingRun run(
      BenchBroker broker,
      String applicationId,
      String guarantee,
      int partitions,
      int threads,
      Path stateRoot,
      long records)
      throws InterruptedException {
    LongAdder read = new LongAdder();
    LongAdder valid = new LongAdder();
    Topology topology = new Topology();
    topology.addSource(
        "read-requests",
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer(),
        Topics.REQUESTS.name());
    topology.addProcessor("parse", () -> new ParseOnly(read, valid), "read-requests");
    Path stateDir = Instances.stateDir(stateRoot, applicationId, 0);
    StreamsAppConfig config =
        Instances.streamsConfig(applicationId, stateDir, guarantee, partitions, threads);
    Properties props = config.streamsProperties(broker.clients());
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    KafkaStreams streams = new KafkaStreams(topology, props);
    long firstNs = 0;
    long firstRead = 0;
    long doneNs;
    CpuUsage.Mark cpu = CpuUsage.mark();
    CpuUsage used;
    try {
      streams.start();
      long lastProgressNs = System.nanoTime();
      long last = 0;
      while (true) {
        long n = read.sum();
        long now = System.nanoTime();
        if (n > 0 && firstNs == 0) {
          firstNs = now;
          firstRead = n;
          cpu = CpuUsage.mark();
        }
        if (n >= records) {
          doneNs = now;
          used = CpuUsage.since(cpu);
          break;
        }
        if (n != last) {
          last = n;
          lastProgressNs = now;
        } else if (now - lastProgressNs > Instances.STALL_NS) {
          throw new IllegalStateException(
              "the Kafka Streams floor read " + n + " of " + records + " records, then stalled");
        }
        KafkaStreams.State s = streams.state();
        if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING) {
          throw new IllegalStateException("the Kafka Streams floor application stopped: " + s);
        }
        Thread.sleep(POLL_MS);
      }
    } finally {
      streams.close(Duration.ofSeconds(30));
    }
    broker.deleteInternalTopics(applicationId);
    BenchBroker.deleteTree(stateDir);
    double seconds = (doneNs - firstNs) / 1e9;
    double eventsPerS = (records - firstRead) / seconds;
    // Its stream threads take the place of the ceiling's consumer thread.
    return new Throughput.CeilingRun(
        1, read.sum(), valid.sum(), eventsPerS, used.streamThreadCores() / eventsPerS * 1e6, used);
  }
}
