package dev.goodput.streams.api;

import java.util.List;
import org.apache.kafka.common.serialization.Serdes;

/** The public topics of the contract. Internal topics are named by the topology itself. */
public final class Topics {

  /**
   * Events in: one {@code event-v1} JSON object per record. Read as raw bytes so that a malformed
   * record can be rejected with a reason instead of failing deserialization.
   */
  public static final Topic<byte[], byte[]> REQUESTS =
      new Topic<>("inference.requests.v1", Serdes.ByteArray(), Serdes.ByteArray());

  /**
   * Rejected records: the original key and bytes, with headers {@value DeadLetters#ERROR}, {@value
   * DeadLetters#SOURCE_TOPIC}, {@value DeadLetters#SOURCE_PARTITION} and {@value
   * DeadLetters#SOURCE_OFFSET}.
   */
  public static final Topic<byte[], byte[]> DEAD_LETTERS =
      new Topic<>("inference.requests.dlq.v1", Serdes.ByteArray(), Serdes.ByteArray());

  /** Every topic the pipeline expects to exist before it starts. */
  public static final List<Topic<?, ?>> ALL = List.of(REQUESTS, DEAD_LETTERS);

  private Topics() {}

  /** Header names on {@link #DEAD_LETTERS} records. */
  public static final class DeadLetters {
    public static final String ERROR = "goodput.error";
    public static final String SOURCE_TOPIC = "goodput.source.topic";
    public static final String SOURCE_PARTITION = "goodput.source.partition";
    public static final String SOURCE_OFFSET = "goodput.source.offset";

    private DeadLetters() {}
  }
}
