package dev.goodput.streams.internal;

import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.ParseResult;
import dev.goodput.streams.api.EventObserver;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.StoreNames;
import dev.goodput.streams.api.Topics.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Parses each input record. A valid event goes on, its record timestamp set to the processing time
 * (the dedup window is measured in it). A rejected record goes on with its original bytes and the
 * dead-letter headers; an event older than the retention goes on as expired. Rejected and expired
 * records are counted here, in the same transaction as their writes.
 */
public final class ParseProcessor implements Processor<byte[], byte[], byte[], Parsed> {
  private final long retentionMs;
  private final EventObserver observer;
  private final int partitions;
  private final long publishIntervalMs;
  private ProcessorContext<byte[], Parsed> context;
  private OutcomeCounter outcomes;

  /**
   * @param partitions of the input topic (and of the repartition topic): a valid event read from
   *     the partition its tenant hashes to is accounted here, any other goes through the
   *     repartition topic to that partition
   * @param publishIntervalMs how often the outcome counts are written for queries (each commit
   *     writes them too)
   */
  public ParseProcessor(
      long retentionMs, EventObserver observer, int partitions, long publishIntervalMs) {
    this.retentionMs = retentionMs;
    this.observer = observer;
    this.partitions = partitions;
    this.publishIntervalMs = publishIntervalMs;
  }

  @Override
  public void init(ProcessorContext<byte[], Parsed> context) {
    this.context = context;
    this.outcomes = new OutcomeCounter(context.getStateStore(StoreNames.OUTCOMES_INGRESS));
    context.schedule(
        Duration.ofMillis(publishIntervalMs),
        PunctuationType.WALL_CLOCK_TIME,
        now -> outcomes.publish());
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    long nowMs = context.currentSystemTimeMs();
    ParseResult result = EventParser.parse(record.value(), nowMs);
    if (result instanceof ParseResult.Valid valid) {
      observer.read(valid.event());
      if (valid.event().timestampMs() < nowMs - retentionMs) {
        outcomes.increment(Outcome.EXPIRED);
        context.forward(record.withValue(Parsed.expired(record.value())));
      } else {
        InferenceEvent e = valid.event();
        Parsed parsed = onTenantsPartition(e) ? Parsed.valid(e) : Parsed.validElsewhere(e);
        context.forward(record.withValue(parsed).withTimestamp(nowMs));
      }
      return;
    }
    String reason = ((ParseResult.Invalid) result).reason();
    outcomes.increment(Outcome.REJECTED);
    context.forward(
        record
            .withValue(Parsed.rejected(record.value()))
            .withHeaders(deadLetterHeaders(record.headers(), reason)));
  }

  /**
   * Whether this record was read from the partition its tenant's events are accounted in: the one
   * Kafka's default partitioner gives the tenant's UTF-8 bytes, as for a record keyed by tenant.
   */
  private boolean onTenantsPartition(InferenceEvent e) {
    int read = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
    return read == partitionOf(e.tenant(), partitions);
  }

  /** The partition of {@code tenant} among {@code partitions}, as Kafka's default partitioner. */
  public static int partitionOf(String tenant, int partitions) {
    return Utils.toPositive(Utils.murmur2(tenant.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  private Headers deadLetterHeaders(Headers original, String reason) {
    Headers headers = new RecordHeaders(original.toArray());
    headers.add(DeadLetters.ERROR, utf8(reason));
    context
        .recordMetadata()
        .ifPresent(
            (RecordMetadata m) -> {
              headers.add(DeadLetters.SOURCE_TOPIC, utf8(m.topic()));
              headers.add(DeadLetters.SOURCE_PARTITION, utf8(Integer.toString(m.partition())));
              headers.add(DeadLetters.SOURCE_OFFSET, utf8(Long.toString(m.offset())));
            });
    return headers;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
