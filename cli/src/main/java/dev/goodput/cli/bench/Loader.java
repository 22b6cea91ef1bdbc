package dev.goodput.cli.bench;

import dev.goodput.streams.api.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces a workload onto the input topic with a plain producer, as model servers would. */
final class Loader {

  /** What was written: every record acknowledged by the broker. */
  record Loaded(long records, long duplicates, long bytes, double seconds) {
    long uniqueEvents() {
      return records - duplicates;
    }
  }

  private Loader() {}

  /**
   * The producer settings of the benchmark: {@code acks=all}, idempotent, batched (linger 10 ms,
   * 256 KiB batches), no compression.
   */
  static Map<String, Object> producerProps(String bootstrap) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    return p;
  }

  /**
   * Produces {@code records} records of {@code workload}, timestamps in {@code [fromMs, toMs]},
   * keyed by tenant, and waits until every one is acknowledged.
   *
   * @throws IllegalStateException if any record could not be written
   */
  static Loaded load(
      String bootstrap,
      Workload workload,
      long records,
      long fromMs,
      long toMs,
      Progress progress) {
    AtomicLong failed = new AtomicLong();
    AtomicReference<Exception> firstFailure = new AtomicReference<>();
    long[] bytes = {0};
    long[] duplicates = {0};
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            producerProps(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
      long[] lastReport = {start};
      long[] sent = {0};
      workload.write(
          records,
          fromMs,
          toMs,
          out -> {
            bytes[0] += out.value().length;
            if (out.duplicate()) {
              duplicates[0]++;
            }
            producer.send(
                new ProducerRecord<>(
                    Topics.REQUESTS.name(), null, out.timestampMs(), out.key(), out.value()),
                (metadata, e) -> {
                  if (e != null) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                  }
                });
            sent[0]++;
            long now = System.nanoTime();
            if (now - lastReport[0] > 5_000_000_000L) {
              progress.detail("loaded %,d of %,d records", sent[0], records);
              lastReport[0] = now;
            }
          });
      producer.flush();
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(
          failed.get() + " records could not be produced: " + firstFailure.get().getMessage(),
          firstFailure.get());
    }
    return new Loaded(records, duplicates[0], bytes[0], (System.nanoTime() - start) / 1e9);
  }
}
