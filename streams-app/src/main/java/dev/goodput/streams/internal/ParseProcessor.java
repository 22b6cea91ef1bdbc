package dev.goodput.streams.internal;

import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.ParseResult;
import dev.goodput.streams.api.EventObserver;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.StoreNames;
import dev.goodput.streams.api.Topics.DeadLetters;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
  private ProcessorContext<byte[], Parsed> context;
  private OutcomeCounter outcomes;

  public ParseProcessor(long retentionMs, EventObserver observer) {
    this.retentionMs = retentionMs;
    this.observer = observer;
  }

  @Override
  public void init(ProcessorContext<byte[], Parsed> context) {
    this.context = context;
    this.outcomes = new OutcomeCounter(context.getStateStore(StoreNames.OUTCOMES_INGRESS));
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
        context.forward(record.withValue(Parsed.valid(valid.event())).withTimestamp(nowMs));
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
