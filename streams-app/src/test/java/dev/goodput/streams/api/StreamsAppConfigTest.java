package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
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
}
