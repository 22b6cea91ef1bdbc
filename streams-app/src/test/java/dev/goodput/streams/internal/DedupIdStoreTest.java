package dev.goodput.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the dedup id store writes to its changelog: the ids accepted, each once, when its memory
 * fills and at every commit, through Kafka Streams' cache-flush hook. A missing hook would lose ids
 * from the changelog while every lookup still answered from memory.
 */
class DedupIdStoreTest {

  private static final long WINDOW_MS = 3_600_000L;
  private static final long AT_MS = 1_764_892_800_123L;

  @TempDir Path stateDir;

  /** Accepts each comma-separated id of a record's value unless already seen. */
  private static final class Accept implements Processor<String, String, Void, Void> {
    private DedupIdStore ids;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      ids = context.getStateStore("dedup-ids");
    }

    @Override
    public void process(Record<String, String> record) {
      for (String id : record.value().split(",")) {
        Bytes key = Bytes.wrap(id.getBytes(StandardCharsets.UTF_8));
        if (!ids.seen(key, AT_MS)) {
          ids.add(key, AT_MS);
        }
      }
    }
  }

  private TopologyTestDriver driver() {
    Topology topology = new Topology();
    topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
    topology.addProcessor("accept", Accept::new, "in");
    topology.addStateStore(new DedupIdStoreBuilder("dedup-ids", WINDOW_MS), "accept");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dd");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return new TopologyTestDriver(topology, props);
  }

  private static TestInputTopic<String, String> input(TopologyTestDriver driver) {
    return driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
  }

  private static TestOutputTopic<byte[], byte[]> changelog(TopologyTestDriver driver) {
    return driver.createOutputTopic(
        "dd-dedup-ids-changelog", new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The ids of the changelog records read, in order, with their times; and the record count. */
  private static Map<String, Long> decode(List<KeyValue<byte[], byte[]>> records) {
    Map<String, Long> ids = new LinkedHashMap<>();
    for (KeyValue<byte[], byte[]> r : records) {
      DedupBatches.decode(
          r.key,
          r.value,
          (value, offset, length, atMs) ->
              assertThat(ids.put(new String(value, offset, length, StandardCharsets.UTF_8), atMs))
                  .as("each id once")
                  .isNull(),
          since -> {});
    }
    return ids;
  }

  @Test
  void eachCommitWritesTheIdsAcceptedSinceTheLastOneToTheChangelog() {
    try (TopologyTestDriver driver = driver()) {
      TestInputTopic<String, String> in = input(driver);
      TestOutputTopic<byte[], byte[]> changelog = changelog(driver);

      // The driver commits after each input record.
      in.pipeInput("t", "r1,r2,r1");
      assertThat(decode(changelog.readKeyValuesToList()))
          .containsExactly(Map.entry("r1", AT_MS), Map.entry("r2", AT_MS));
      in.pipeInput("t", "r2,r3");
      assertThat(decode(changelog.readKeyValuesToList())).containsExactly(Map.entry("r3", AT_MS));
      in.pipeInput("t", "r1");
      assertThat(changelog.readKeyValuesToList()).isEmpty();
    }
  }

  @Test
  void idsFillingHalfARecordAreWrittenWhileProcessingInRecordsOfBoundedSize() {
    try (TopologyTestDriver driver = driver()) {
      TestInputTopic<String, String> in = input(driver);
      TestOutputTopic<byte[], byte[]> changelog = changelog(driver);

      // 20,000 ids of 26 bytes each (36 bytes a record): about 5.5 writes' worth in one record
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        sent.add(String.format("tenant-0001-request-%06d", i));
      }
      in.pipeInput("t", String.join(",", sent));

      List<KeyValue<byte[], byte[]>> records = changelog.readKeyValuesToList();
      int full = 20_000 * 36 / DedupIdStore.WRITE_BYTES;
      assertThat(records).hasSize(full + 1);
      assertThat(records)
          .allSatisfy(
              r -> assertThat(r.value.length).isLessThanOrEqualTo(DedupIdStore.WRITE_BYTES + 36));
      assertThat(decode(records).keySet()).containsExactlyInAnyOrderElementsOf(sent);
    }
  }
}
