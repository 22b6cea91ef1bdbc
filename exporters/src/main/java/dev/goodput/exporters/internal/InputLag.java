package dev.goodput.exporters.internal;

import dev.goodput.streams.api.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code goodput_input_lag_records}: how many records of the input topic wait behind this
 * instance's consumers, summed over the partitions it owns (the consumers' {@code records-lag}).
 */
public final class InputLag {

  private InputLag() {}

  public static void register(MeterRegistry registry, KafkaStreams streams) {
    Gauge.builder("goodput.input.lag.records", streams, InputLag::lag)
        .description("Records of inference.requests.v1 not yet read by this instance.")
        .register(registry);
  }

  static double lag(KafkaStreams streams) {
    double sum = 0;
    for (java.util.Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
      MetricName name = e.getKey();
      if (name.name().equals("records-lag")
          && name.group().equals("consumer-fetch-manager-metrics")
          && Topics.REQUESTS.name().equals(name.tags().get("topic"))) {
        Object v = e.getValue().metricValue();
        if (v instanceof Double d && !d.isNaN()) {
          sum += d;
        }
      }
    }
    return sum;
  }
}
