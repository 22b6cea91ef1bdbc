package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class StreamsAppConfigTest {

  private static final Map<String, String> KAFKA = Map.of("bootstrap.servers", "broker:9092");

  @Test
  void producersBatchUpTo256KiBUnlessBatchSizeIsConfiguredEitherWay() {
    Properties defaults = new StreamsAppConfig(Map.of()).streamsProperties(KAFKA);
    assertThat(defaults).containsEntry("producer.batch.size", 262_144);

    Properties inKafkaSection =
        new StreamsAppConfig(Map.of())
            .streamsProperties(Map.of("bootstrap.servers", "broker:9092", "batch.size", "65536"));
    assertThat(inKafkaSection)
        .containsEntry("batch.size", "65536")
        .doesNotContainKey("producer.batch.size");

    Properties inStreamsSection =
        new StreamsAppConfig(Map.of("producer.batch.size", "32768")).streamsProperties(KAFKA);
    assertThat(inStreamsSection).containsEntry("producer.batch.size", "32768");

    Properties unprefixedInStreamsSection =
        new StreamsAppConfig(Map.of("batch.size", "32768")).streamsProperties(KAFKA);
    assertThat(unprefixedInStreamsSection)
        .containsEntry("batch.size", "32768")
        .doesNotContainKey("producer.batch.size");
  }

  @Test
  void goodputsRocksDbSettingsUnlessASetterIsConfigured() {
    assertThat(new StreamsAppConfig(Map.of()).streamsProperties(KAFKA))
        .containsEntry("rocksdb.config.setter", GoodputRocksDbConfig.class.getName());
    assertThat(
            new StreamsAppConfig(Map.of("rocksdb.config.setter", "com.example.Mine"))
                .streamsProperties(KAFKA))
        .containsEntry("rocksdb.config.setter", "com.example.Mine");
  }

  @Test
  void compactionRunsAtLowCpuPriorityUnlessNormalIsAskedFor() {
    assertThat(new StreamsAppConfig(Map.of()).lowCompactionPriority()).isTrue();
    StreamsAppConfig normal =
        new StreamsAppConfig(Map.of("rocksdb.compaction.cpu.priority", "normal"));
    assertThat(normal.lowCompactionPriority()).isFalse();
    // Goodput's own key: Kafka Streams never sees it.
    assertThat(normal.streamsProperties(KAFKA))
        .doesNotContainKey("rocksdb.compaction.cpu.priority");
    assertThatThrownBy(
            () -> new StreamsAppConfig(Map.of("rocksdb.compaction.cpu.priority", "idle")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rocksdb.compaction.cpu.priority")
        .hasMessageContaining("idle");
  }
}
