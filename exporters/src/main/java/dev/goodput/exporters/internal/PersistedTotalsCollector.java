package dev.goodput.exporters.internal;

import dev.goodput.streams.api.NotReadyException;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.UsageCounters;
import dev.goodput.streams.api.UsageQueries;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The pipeline's counters, read from its persisted state at every scrape: they never go backwards
 * across restarts, and each instance exports only the partitions it owns. While the state is not
 * queryable (starting, rebalancing) the families are left out of the scrape rather than reported
 * partially.
 */
public final class PersistedTotalsCollector implements MultiCollector {

  private record TokenFamily(String name, String help, ToLongFunction<UsageCounters> value) {}

  private static final List<TokenFamily> TOKEN_FAMILIES =
      List.of(
          new TokenFamily(
              "inference_input_tokens",
              "Prompt tokens of accepted requests, cached ones included.",
              UsageCounters::inputTokens),
          new TokenFamily(
              "inference_cached_input_tokens",
              "Prompt tokens served from the prefix cache.",
              UsageCounters::cachedInputTokens),
          new TokenFamily(
              "inference_output_tokens",
              "Generated tokens of accepted requests, reasoning ones included.",
              UsageCounters::outputTokens),
          new TokenFamily(
              "inference_reasoning_tokens",
              "Generated tokens spent on hidden reasoning.",
              UsageCounters::reasoningTokens));

  private final UsageQueries queries;

  public PersistedTotalsCollector(UsageQueries queries) {
    this.queries = queries;
  }

  @Override
  public MetricSnapshots collect() {
    Map<SeriesKey, UsageCounters> totals;
    Map<Outcome, Long> outcomes;
    try {
      totals = queries.totals();
      outcomes = queries.outcomes();
    } catch (NotReadyException e) {
      return new MetricSnapshots();
    }
    MetricSnapshots.Builder out = MetricSnapshots.builder();

    CounterSnapshot.Builder requests =
        CounterSnapshot.builder()
            .name("inference_requests")
            .help("Accepted inference requests by final status.");
    totals.forEach(
        (series, c) -> {
          requests.dataPoint(point(series, "ok", c.requestsOk()));
          requests.dataPoint(point(series, "error", c.requestsError()));
          requests.dataPoint(point(series, "cancelled", c.requestsCancelled()));
        });
    out.metricSnapshot(requests.build());

    for (TokenFamily family : TOKEN_FAMILIES) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name(family.name()).help(family.help());
      totals.forEach(
          (series, c) ->
              b.dataPoint(
                  CounterDataPointSnapshot.builder()
                      .labels(Labels.of("tenant", series.tenant(), "model", series.model()))
                      .value(family.value().applyAsLong(c))
                      .build()));
      out.metricSnapshot(b.build());
    }

    CounterSnapshot.Builder events =
        CounterSnapshot.builder()
            .name("goodput_events")
            .help("Records read from inference.requests.v1, by outcome; they add up to all read.");
    outcomes.forEach(
        (outcome, count) ->
            events.dataPoint(
                CounterDataPointSnapshot.builder()
                    .labels(Labels.of("outcome", outcome.label()))
                    .value(count)
                    .build()));
    out.metricSnapshot(events.build());
    return out.build();
  }

  private static CounterDataPointSnapshot point(SeriesKey series, String status, long value) {
    return CounterDataPointSnapshot.builder()
        .labels(Labels.of("tenant", series.tenant(), "model", series.model(), "status", status))
        .value(value)
        .build();
  }
}
