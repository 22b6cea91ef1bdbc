package dev.goodput.exporters.internal;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.EventObserver;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code goodput_source_events_total{server}}: valid events read per model server (the event's
 * {@code server}, or {@code unknown}), for the "a source went quiet" alert. Counted in memory: it
 * starts from zero when the process does and may count a record twice after a crash, so it is for
 * {@code rate()} only. At most {@link #MAX_SERVERS} servers get their own label; the rest are
 * counted as {@code __other__}.
 */
public final class SourceEvents implements EventObserver, MultiCollector {

  static final int MAX_SERVERS = 1000;

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void read(InferenceEvent event) {
    String server = event.server() == null ? "unknown" : event.server();
    LongAdder n = counts.get(server);
    if (n == null) {
      n =
          counts.size() < MAX_SERVERS
              ? counts.computeIfAbsent(server, s -> new LongAdder())
              : counts.computeIfAbsent(CardinalityGuard.OTHER, s -> new LongAdder());
    }
    n.increment();
  }

  @Override
  public MetricSnapshots collect() {
    CounterSnapshot.Builder b =
        CounterSnapshot.builder()
            .name("goodput_source_events")
            .help(
                "Valid events read per model server since this process started (for rate();"
                    + " not exact across crashes).");
    counts.forEach(
        (server, n) ->
            b.dataPoint(
                CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("server", server))
                    .value(n.sum())
                    .build()));
    return MetricSnapshots.of(b.build());
  }
}
