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

  /** Events older than the retention when processed: the original key and bytes. */
  public static final Topic<byte[], byte[]> EXPIRED =
      new Topic<>("inference.requests.expired.v1", Serdes.ByteArray(), Serdes.ByteArray());

  /**
   * The price and SLO policy catalog (compacted): key the entry's identity, value the entry as
   * JSON. Written by {@code goodput config apply}; entries are replaced, never deleted.
   */
  public static final Topic<String, byte[]> CATALOG =
      new Topic<>("goodput.catalog.v1", Serdes.String(), Serdes.ByteArray(), true);

  /**
   * The chargeback ledger (compacted): one record per tenant, model and UTC hour once the hour has
   * closed (after the grace), key {@code {"tenant":..,"model":..,"start":..}}, value the usage row
   * as JSON with a {@code revision}; a late event produces the next revision of its hour.
   */
  public static final Topic<String, byte[]> CHARGEBACK =
      new Topic<>("inference.chargeback.v1", Serdes.String(), Serdes.ByteArray(), true);

  /** Every topic the pipeline expects to exist before it starts. */
  public static final List<Topic<?, ?>> ALL =
      List.of(REQUESTS, DEAD_LETTERS, EXPIRED, CATALOG, CHARGEBACK);

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
