package dev.goodput.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;

/** The dedup store's changelog records: what is encoded is decoded, in records of bounded size. */
class DedupBatchesPropertiesTest {

  @Property(tries = 200)
  void shouldDecodeEveryIdWithItsTimeFromRecordsOfBoundedSize(
      @ForAll @Size(max = 3_000) Map<@Size(min = 1, max = 600) byte[], Long> input,
      @ForAll long firstSequence) {
    Map<Bytes, Long> ids = new HashMap<>();
    input.forEach((k, v) -> ids.put(Bytes.wrap(k), v));

    List<KeyValue<Bytes, byte[]>> records = DedupBatches.ids(ids, firstSequence);

    Map<Bytes, Long> decoded = new HashMap<>();
    long sequence = firstSequence;
    for (KeyValue<Bytes, byte[]> r : records) {
      assertThat(r.value.length).isLessThanOrEqualTo(DedupBatches.MAX_RECORD_BYTES);
      assertThat(r.key.get()[0]).isEqualTo(DedupBatches.IDS);
      assertThat(java.nio.ByteBuffer.wrap(r.key.get(), 1, 8).getLong()).isEqualTo(sequence++);
      DedupBatches.decode(
          r.key.get(),
          r.value,
          (value, offset, length, atMs) ->
              assertThat(
                      decoded.put(
                          Bytes.wrap(Arrays.copyOfRange(value, offset, offset + length)), atMs))
                  .isNull(),
          since -> {
            throw new AssertionError("an ids record decoded as since");
          });
    }
    assertThat(decoded).isEqualTo(ids);
  }
}
