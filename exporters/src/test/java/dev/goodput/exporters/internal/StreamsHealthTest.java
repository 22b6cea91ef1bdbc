package dev.goodput.exporters.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class StreamsHealthTest {

  private final Map<MetricName, Metric> metrics = new LinkedHashMap<>();

  @Test
  void oneReadingSumsTheInputLagAndTakesTheLargestSourceLatency() {
    lag("inference.requests.v1", "0", 120.0);
    lag("inference.requests.v1", "3", 30.0);
    lag("inference.requests.v1", "4", Double.NaN); // not yet known: left out
    lag("goodput-repartition", "0", 9_000.0); // another topic
    e2e("read-requests", "0_1", 250.0);
    e2e("read-requests", "0_2", 1_250.0);
    e2e("read-requests", "0_3", Double.NEGATIVE_INFINITY);
    e2e("account", "0_1", 99_000.0); // another node
    put(
        new MetricName("records-lag", "other-group", "", Map.of("topic", "inference.requests.v1")),
        7.0);

    StreamsHealth.Values v = StreamsHealth.pass(metrics, 42L);

    assertThat(v.inputLagRecords()).isEqualTo(150.0);
    assertThat(v.e2eLatencyMaxMs()).isEqualTo(1_250.0);
    assertThat(v.atNanos()).isEqualTo(42L);
  }

  @Test
  void noMatchingMetricsReadAsZero() {
    e2e("account", "0_1", 5.0);
    StreamsHealth.Values v = StreamsHealth.pass(metrics, 0L);
    assertThat(v.inputLagRecords()).isZero();
    assertThat(v.e2eLatencyMaxMs()).isZero();
  }

  private void lag(String topic, String partition, double value) {
    put(
        new MetricName(
            "records-lag",
            "consumer-fetch-manager-metrics",
            "",
            Map.of("topic", topic, "partition", partition, "client-id", "c")),
        value);
  }

  private void e2e(String node, String task, double value) {
    put(
        new MetricName(
            "record-e2e-latency-max",
            "stream-processor-node-metrics",
            "",
            Map.of("processor-node-id", node, "task-id", task, "thread-id", "t")),
        value);
  }

  private void put(MetricName name, double value) {
    metrics.put(
        name,
        new Metric() {
          @Override
          public MetricName metricName() {
            return name;
          }

          @Override
          public Object metricValue() {
            return value;
          }
        });
  }
}
