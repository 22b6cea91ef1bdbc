package dev.goodput.exporters.internal;

import dev.goodput.streams.api.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
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
 *       record-e2e-latency-max}: Kafka's maximum over two samples of 30 s by default, so a value
 *       stays 30 to 60 s), over the tasks of this instance.
 * </ul>
 */
public final class StreamsHealth {

  /** The name of the topology's source node of the input topic. */
  private static final String SOURCE_NODE = "read-requests";

  /**
   * How long one pass over the client's metrics serves both gauges: a scrape reads them one after
   * the other, and {@link KafkaStreams#metrics()} copies every metric of every client into a new
   * map (each pass was 6% of rendering 10,000 series).
   */
  private static final long PASS_NANOS = 1_000_000_000L;

  /** Both gauges' values from one pass, and when it was made. */
  record Values(double inputLagRecords, double e2eLatencyMaxMs, long atNanos) {}

  private final KafkaStreams streams;
  private volatile Values last;

  private StreamsHealth(KafkaStreams streams) {
    this.streams = streams;
  }

  public static void register(MeterRegistry registry, KafkaStreams streams) {
    StreamsHealth health = new StreamsHealth(streams);
    Gauge.builder("goodput.input.lag.records", health, h -> h.values().inputLagRecords())
        .description("Records of inference.requests.v1 not yet read by this instance.")
        .strongReference(true)
        .register(registry);
    Gauge.builder(
            "goodput.record.e2e.latency.max.seconds",
            health,
            h -> h.values().e2eLatencyMaxMs() / 1000.0)
        .description(
            "Largest time from a record's timestamp to its processing, over the last metrics"
                + " window (Kafka Streams record-e2e-latency-max of the input source node).")
        .strongReference(true)
        .register(registry);
  }

  /** The values of a pass made less than a second ago, or of a new one. */
  private Values values() {
    long now = System.nanoTime();
    Values v = last;
    if (v == null || now - v.atNanos() >= PASS_NANOS) {
      v = pass(streams.metrics(), now);
      last = v;
    }
    return v;
  }

  /**
   * The sum of the finite {@code records-lag} of the input topic's partitions and the largest
   * finite {@code record-e2e-latency-max} of its source node; 0 where there are none.
   */
  static Values pass(Map<MetricName, ? extends Metric> metrics, long atNanos) {
    double lag = 0;
    double e2eMax = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      MetricName n = e.getKey();
      boolean isLag =
          n.name().equals("records-lag")
              && n.group().equals("consumer-fetch-manager-metrics")
              && Topics.REQUESTS.name().equals(n.tags().get("topic"));
      boolean isE2e =
          !isLag
              && n.name().equals("record-e2e-latency-max")
              && SOURCE_NODE.equals(n.tags().get("processor-node-id"));
      if ((isLag || isE2e)
          && e.getValue().metricValue() instanceof Double d
          && Double.isFinite(d)) {
        if (isLag) {
          lag += d;
        } else {
          e2eMax = Math.max(e2eMax, d);
        }
      }
    }
    return new Values(lag, e2eMax, atNanos);
  }
}
