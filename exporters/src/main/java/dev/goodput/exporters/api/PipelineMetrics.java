package dev.goodput.exporters.api;

import com.sun.net.httpserver.HttpHandler;
import dev.goodput.exporters.internal.MetricsEndpoint;
import dev.goodput.exporters.internal.PersistedTotalsExposition;
import dev.goodput.exporters.internal.SourceEvents;
import dev.goodput.exporters.internal.StreamsHealth;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.UsageQueries;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Everything {@code /metrics} serves: the pipeline's counters from persisted state, and, through
 * Micrometer's binders, the JVM and the Kafka Streams client. Close it to unbind.
 */
public final class PipelineMetrics implements AutoCloseable {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusMeterRegistry micrometer;
  private final MetricsEndpoint endpoint;
  private final List<AutoCloseable> binders = new ArrayList<>();

  private PipelineMetrics(
      UsageQueries queries,
      KafkaStreams streams,
      HistogramEdges edges,
      MetricsConfig config,
      SourceEvents sources) {
    endpoint =
        new MetricsEndpoint(
            new PersistedTotalsExposition(queries, edges, config, System::currentTimeMillis),
            registry);
    registry.register(sources);
    micrometer = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, registry, Clock.SYSTEM);
    bind(new KafkaStreamsMetrics(streams));
    bind(r -> StreamsHealth.register(r, streams));
    bind(new JvmMemoryMetrics());
    bind(new JvmGcMetrics());
    bind(new JvmThreadMetrics());
    bind(new ClassLoaderMetrics());
    bind(new ProcessorMetrics());
    bind(new UptimeMetrics());
  }

  /**
   * Metrics of a pipeline whose state {@code queries} reads and whose client is {@code streams};
   * histograms show at least the buckets of {@code edges}.
   */
  public static PipelineMetrics create(
      UsageQueries queries, KafkaStreams streams, HistogramEdges edges) {
    return create(queries, streams, edges, MetricsConfig.DEFAULT, new SourceEvents());
  }

  /**
   * The same, with the cardinality guard and budgets of {@code config}, and {@code sources} (which
   * the topology must have been built with) counting events per model server.
   */
  public static PipelineMetrics create(
      UsageQueries queries,
      KafkaStreams streams,
      HistogramEdges edges,
      MetricsConfig config,
      SourceEvents sources) {
    return new PipelineMetrics(queries, streams, edges, config, sources);
  }

  /** A new counter of events per model server, to build the topology with. */
  public static SourceEvents sourceEvents() {
    return new SourceEvents();
  }

  private void bind(MeterBinder binder) {
    binder.bindTo(micrometer);
    if (binder instanceof AutoCloseable closeable) {
      binders.add(closeable);
    }
  }

  /**
   * Serves everything in the Prometheus text format 0.0.4 (gzipped when the scraper accepts it).
   */
  public HttpHandler handler() {
    return endpoint;
  }

  /** Writes what {@code /metrics} serves to {@code out}, for scraping in-process. */
  public void scrape(OutputStream out) throws IOException {
    endpoint.write(out);
  }

  @Override
  public void close() {
    for (AutoCloseable c : binders) {
      try {
        c.close();
      } catch (Exception e) {
        // Unbinding is best effort at shutdown; nothing depends on it.
      }
    }
    micrometer.close();
  }
}
