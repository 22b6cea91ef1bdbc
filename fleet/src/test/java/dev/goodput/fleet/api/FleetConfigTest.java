package dev.goodput.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FleetConfigTest {

  @Test
  void shouldDefaultToRealTimeWithEightTenants() {
    // Given / When
    FleetConfig config = new FleetConfig(Map.of());

    // Then
    assertThat(config.speed()).isEqualTo(1.0);
    assertThat(config.tenants()).isEqualTo(8);
    assertThat(config.errorRatio()).isEqualTo(0.01);
    assertThat(config.cancelRatio()).isEqualTo(0.02);
    assertThat(config.maxEvents()).isZero();
    assertThat(config.seed()).isEqualTo(20231116L);
    assertThat(config.stateFile()).isEqualTo(Path.of("goodput-data/fleet/state.json"));
  }

  @ParameterizedTest
  @CsvSource({
    "speed, 0",
    "speed, -1",
    "speed, Infinity",
    "tenants, 4",
    "tenants, 9",
    "error.ratio, 1.5",
    "cancel.ratio, -0.1",
    "max.events, -1",
    "state.file, ''",
    "checkpoint.max.events, 0"
  })
  void shouldRejectValuesOutsideTheirRange(String key, String value) {
    assertThatThrownBy(() -> new FleetConfig(Map.of(key, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @Test
  void shouldRejectRatiosThatAddUpToMoreThanOne() {
    assertThatThrownBy(() -> new FleetConfig(Map.of("error.ratio", "0.6", "cancel.ratio", "0.5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("error.ratio + cancel.ratio must be <= 1");
  }

  @Test
  void shouldForceAcksAllAndIdempotenceOnTheProducer() {
    // Given a section with a producer setting that would weaken delivery, and one to pass through
    FleetConfig config = new FleetConfig(Map.of("speed", "10", "acks", "1", "linger.ms", "20"));

    // When
    Map<String, Object> props =
        config.producerProperties(Map.of("bootstrap.servers", "127.0.0.1:9092"));

    // Then
    assertThat(props)
        .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092")
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
        .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "20")
        .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "goodput-fleet")
        .doesNotContainKey("speed");
  }
}
