package dev.goodput.cli;

import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.ParseResult;
import dev.goodput.streams.api.Topics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code goodput publish}: sends NDJSON events, one per line, onto {@code inference.requests.v1}.
 * Lines are sent byte for byte; the pipeline validates them (invalid ones go to the dead-letter
 * topic). Valid events are keyed by tenant.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = "Send NDJSON events (one JSON object per line) onto inference.requests.v1.")
final class PublishCommand implements Callable<Integer> {

  @Option(
      names = "--bootstrap",
      defaultValue = "127.0.0.1:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrap;

  @Parameters(paramLabel = "FILE|-", description = "NDJSON file, or - for standard input.")
  String file;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> props =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.LINGER_MS_CONFIG,
            5,
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            30_000);
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<Exception> firstFailure = new AtomicReference<>();
    long lines = 0;
    long invalid = 0;
    long lastProgress = System.nanoTime();
    try (BufferedReader in =
            "-".equals(file)
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(java.nio.file.Path.of(file), StandardCharsets.UTF_8);
        Producer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        lines++;
        byte[] value = line.getBytes(StandardCharsets.UTF_8);
        ParseResult parsed = EventParser.parse(value, System.currentTimeMillis());
        byte[] key = null;
        if (parsed instanceof ParseResult.Valid v) {
          key = v.event().tenant().getBytes(StandardCharsets.UTF_8);
        } else {
          invalid++;
        }
        producer.send(
            new ProducerRecord<>(Topics.REQUESTS.name(), key, value),
            (metadata, e) -> {
              if (e == null) {
                acked.incrementAndGet();
              } else {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, e);
              }
            });
        if (System.nanoTime() - lastProgress > 1_000_000_000L) {
          System.err.printf("  sent %,d lines, %,d acknowledged%n", lines, acked.get());
          lastProgress = System.nanoTime();
        }
      }
      producer.flush();
    }
    System.out.printf(
        "published %,d of %,d events to %s on %s%s%n",
        acked.get(),
        lines,
        Topics.REQUESTS.name(),
        bootstrap,
        invalid == 0
            ? ""
            : String.format(
                " (%,d of them are not valid event-v1 and will go to %s)",
                invalid, Topics.DEAD_LETTERS.name()));
    if (failed.get() > 0) {
      System.err.printf(
          "goodput: %,d events could not be sent: %s; check that Kafka is reachable at %s and"
              + " send the file again (event_ids make resends safe once dedup is on).%n",
          failed.get(), firstFailure.get().getMessage(), bootstrap);
      return 1;
    }
    return 0;
  }
}
