package dev.goodput.exporters.internal;

import dev.goodput.streams.api.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Pipeline health gauges derived from the Kafka Streams client's own metrics, named for the alerts:
 *
 * <ul>
 *   <li>{@code goodput_input_lag_records}: records of the input topic waiting behind this
 *       instance's consumers, summed over the partitions it owns ({@code records-lag});
 *   <li>{@code goodput_record_e2e_latency_max_seconds}: the largest time from a record's timestamp
 *       to its processing at the input source node over the metrics window ({@code
 *       record-e2e-latency-max}, 30 s by default), over the tasks of this instance.
 * </ul>
 */
public final class StreamsHealth {

  /** The name of the topology's source node of the input topic. */
  private static final String SOURCE_NODE = "read-requests";

  private StreamsHealth() {}

  public static void register(MeterRegistry registry, KafkaStreams streams) {
    Gauge.builder("goodput.input.lag.records", streams, StreamsHealth::inputLag)
        .description("Records of inference.requests.v1 not yet read by this instance.")
        .register(registry);
    Gauge.builder("goodput.record.e2e.latency.max.seconds", streams, StreamsHealth::e2eLatencyMax)
        .description(
            "Largest time from a record's timestamp to its processing, over the last metrics"
                + " window (Kafka Streams record-e2e-latency-max of the input source node).")
        .register(registry);
  }

  static double inputLag(KafkaStreams streams) {
    return fold(
        streams,
        n ->
            n.name().equals("records-lag")
                && n.group().equals("consumer-fetch-manager-metrics")
                && Topics.REQUESTS.name().equals(n.tags().get("topic")),
        false);
  }

  static double e2eLatencyMax(KafkaStreams streams) {
    return fold(
            streams,
            n ->
                n.name().equals("record-e2e-latency-max")
                    && SOURCE_NODE.equals(n.tags().get("processor-node-id")),
            true)
        / 1000.0;
  }

  /** The sum (or max) of the finite values of the matching metrics; 0 when there are none. */
  private static double fold(KafkaStreams streams, Predicate<MetricName> match, boolean max) {
    double out = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
      if (match.test(e.getKey())
          && e.getValue().metricValue() instanceof Double d
          && Double.isFinite(d)) {
        out = max ? Math.max(out, d) : out + d;
      }
    }
    return out;
  }
}
