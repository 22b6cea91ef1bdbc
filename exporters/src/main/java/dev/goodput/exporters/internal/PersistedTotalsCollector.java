package dev.goodput.exporters.internal;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.streams.api.Histogram;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.NotReadyException;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.SeriesTotals;
import dev.goodput.streams.api.UsageCounters;
import dev.goodput.streams.api.UsageQueries;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The pipeline's counters, read from its persisted state at every scrape: they never go backwards
 * across restarts, and each instance exports only the partitions it owns. While the state is not
 * queryable (starting, rebalancing) the families are left out of the scrape rather than reported
 * partially. Tenants beyond the configured limit are folded into {@code tenant="__other__"} ({@link
 * CardinalityGuard}). Alongside: each series' month-to-date cost and SLO objective, the tenants'
 * budgets, and the number of exported series.
 */
public final class PersistedTotalsCollector implements MultiCollector {

  private record SeriesFamily(String name, String help, ToDoubleFunction<UsageCounters> value) {}

  private static final List<SeriesFamily> SERIES_FAMILIES =
      List.of(
          new SeriesFamily(
              "inference_input_tokens",
              "Prompt tokens of accepted requests, cached ones included.",
              UsageCounters::inputTokens),
          new SeriesFamily(
              "inference_cached_input_tokens",
              "Prompt tokens served from the prefix cache.",
              UsageCounters::cachedInputTokens),
          new SeriesFamily(
              "inference_output_tokens",
              "Generated tokens of accepted requests, reasoning ones included.",
              UsageCounters::outputTokens),
          new SeriesFamily(
              "inference_reasoning_tokens",
              "Generated tokens spent on hidden reasoning.",
              UsageCounters::reasoningTokens),
          new SeriesFamily(
              "inference_cost_usd",
              "Cost of accepted requests in USD (exact in the usage API; a float here).",
              c -> c.cost().doubleValue()),
          new SeriesFamily(
              "inference_good_requests",
              "Requests that ended ok within every target of their SLO policy.",
              UsageCounters::goodRequests),
          new SeriesFamily(
              "inference_good_output_tokens",
              "Output tokens of good requests.",
              UsageCounters::goodOutputTokens));

  private final UsageQueries queries;
  private final HistogramEdges edges;
  private final MetricsConfig config;
  private final LongSupplier nowMs;
  private final CardinalityGuard guard;

  /** Label sets of a series, built (and validated by client_java) once, not at every scrape. */
  private record SeriesLabels(Labels base, Labels[] status, Labels[] slo) {
    static SeriesLabels of(SeriesKey k) {
      Labels base = Labels.of("tenant", k.tenant(), "model", k.model());
      Labels[] status = new Labels[STATUSES.length];
      for (int i = 0; i < STATUSES.length; i++) {
        status[i] = base.add("status", STATUSES[i]);
      }
      Labels[] slo = new Labels[SLOS.length];
      for (int i = 0; i < SLOS.length; i++) {
        slo[i] = base.add("slo", SLOS[i]);
      }
      return new SeriesLabels(base, status, slo);
    }
  }

  private static final String[] STATUSES = {"ok", "error", "cancelled"};
  private static final String[] SLOS = {"ttft", "tpot", "e2e"};
  private final Map<SeriesKey, SeriesLabels> labels = new ConcurrentHashMap<>();

  public PersistedTotalsCollector(
      UsageQueries queries, HistogramEdges edges, MetricsConfig config, LongSupplier nowMs) {
    this.queries = queries;
    this.edges = edges;
    this.config = config;
    this.nowMs = nowMs;
    this.guard = new CardinalityGuard(config.maxTenants(), config.budgetsUsd().keySet());
  }

  @Override
  public MetricSnapshots collect() {
    long now = nowMs.getAsLong();
    long month = SeriesTotals.monthStartMs(now);
    Map<SeriesKey, SeriesTotals> all;
    Map<SeriesKey, UsageCounters> totals = new LinkedHashMap<>();
    Map<Outcome, Long> outcomes;
    Catalog catalog;
    CardinalityGuard.Folded folded;
    try {
      folded = guard.fold(queries.totals(), month);
      all = folded.series();
      all.forEach((k, v) -> totals.put(k, v.counters()));
      outcomes = queries.outcomes();
      catalog = queries.catalog();
    } catch (NotReadyException e) {
      return budgets();
    }
    labels.keySet().retainAll(all.keySet());
    all.keySet().forEach(k -> labels.computeIfAbsent(k, SeriesLabels::of));
    MetricSnapshots.Builder out = MetricSnapshots.builder();
    budgets().forEach(out::metricSnapshot);

    GaugeSnapshot.Builder monthCost =
        GaugeSnapshot.builder()
            .name("goodput_cost_month_to_date_usd")
            .help("Cost in the current UTC calendar month, in USD (exact in the usage API).");
    GaugeSnapshot.Builder objective =
        GaugeSnapshot.builder()
            .name("goodput_slo_objective_ratio")
            .help("SLO attainment objective of the policy in effect now (without slo_class).");
    all.forEach(
        (k, v) -> {
          monthCost.dataPoint(gauge(k, v.costInMonth(month).doubleValue()));
          objective.dataPoint(
              gauge(k, catalog.policy(k.tenant(), k.model(), null, now).objective()));
        });
    out.metricSnapshot(monthCost.build());
    out.metricSnapshot(objective.build());
    out.metricSnapshot(
        GaugeSnapshot.builder()
            .name("goodput_exported_series")
            .help("Tenant x model series exported by this instance, after folding.")
            .dataPoint(GaugeDataPointSnapshot.builder().value(all.size()).build())
            .build());
    out.metricSnapshot(
        GaugeSnapshot.builder()
            .name("goodput_cardinality_folded_tenants")
            .help("Tenants of this instance folded into tenant=\"__other__\" by the limit.")
            .dataPoint(GaugeDataPointSnapshot.builder().value(folded.foldedTenants()).build())
            .build());

    CounterSnapshot.Builder requests =
        CounterSnapshot.builder()
            .name("inference_requests")
            .help("Accepted inference requests by final status.");
    totals.forEach(
        (series, c) -> {
          Labels[] status = labels.get(series).status();
          requests.dataPoint(point(status[0], c.requestsOk()));
          requests.dataPoint(point(status[1], c.requestsError()));
          requests.dataPoint(point(status[2], c.requestsCancelled()));
        });
    out.metricSnapshot(requests.build());

    for (SeriesFamily family : SERIES_FAMILIES) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name(family.name()).help(family.help());
      totals.forEach(
          (series, c) ->
              b.dataPoint(
                  CounterDataPointSnapshot.builder()
                      .labels(labels.get(series).base())
                      .value(family.value().applyAsDouble(c))
                      .build()));
      out.metricSnapshot(b.build());
    }

    CounterSnapshot.Builder violations =
        CounterSnapshot.builder()
            .name("inference_slo_violations")
            .help("Requests that ended ok but missed a target of their SLO policy, by target.");
    totals.forEach(
        (series, c) -> {
          Labels[] slo = labels.get(series).slo();
          violations.dataPoint(point(slo[0], c.ttftViolations()));
          violations.dataPoint(point(slo[1], c.tpotViolations()));
          violations.dataPoint(point(slo[2], c.e2eViolations()));
        });
    out.metricSnapshot(violations.build());

    out.metricSnapshot(
        histogram(
            "inference_time_to_first_token_seconds",
            "Time to first token of ok requests.",
            all,
            SeriesTotals::ttft,
            edges.ttftMs()));
    out.metricSnapshot(
        histogram(
            "inference_time_per_output_token_seconds",
            "Time per output token of ok requests with at least two output tokens.",
            all,
            SeriesTotals::tpot,
            edges.tpotMs()));
    out.metricSnapshot(
        histogram(
            "inference_request_duration_seconds",
            "End-to-end duration of ok requests.",
            all,
            SeriesTotals::e2e,
            edges.e2eMs()));

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

  /**
   * A histogram family from persisted per-edge counts: the buckets are the configured edges plus
   * any edge a count was stored under, so no bucket disappears after a configuration change.
   */
  private HistogramSnapshot histogram(
      String name,
      String help,
      Map<SeriesKey, SeriesTotals> series,
      Function<SeriesTotals, Histogram> pick,
      double[] configuredMs) {
    HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help);
    double[] configuredBounds = new double[configuredMs.length + 1];
    for (int i = 0; i < configuredMs.length; i++) {
      configuredBounds[i] = configuredMs[i] / 1000.0;
    }
    configuredBounds[configuredMs.length] = Double.POSITIVE_INFINITY;
    series.forEach(
        (key, totals) -> {
          Histogram h = pick.apply(totals);
          b.dataPoint(
              HistogramSnapshot.HistogramDataPointSnapshot.builder()
                  .labels(labels.get(key).base())
                  .classicHistogramBuckets(buckets(h, configuredMs, configuredBounds))
                  .sum(h.sumMs() / 1000.0)
                  .build());
        });
    return b.build();
  }

  /** The buckets of {@code h} over the configured edges, and any other edge it has counts for. */
  private static ClassicHistogramBuckets buckets(
      Histogram h, double[] configuredMs, double[] configuredBounds) {
    long[] counts = new long[configuredBounds.length];
    for (Map.Entry<Double, Long> e : h.counts().entrySet()) {
      double edge = e.getKey();
      int i =
          edge == Double.POSITIVE_INFINITY
              ? configuredMs.length
              : Arrays.binarySearch(configuredMs, edge);
      if (i < 0) {
        return bucketsWithExtraEdges(h, configuredMs);
      }
      counts[i] += e.getValue();
    }
    return ClassicHistogramBuckets.of(configuredBounds, counts);
  }

  private static ClassicHistogramBuckets bucketsWithExtraEdges(Histogram h, double[] configuredMs) {
    TreeMap<Double, Long> buckets = new TreeMap<>();
    for (double edge : configuredMs) {
      buckets.put(edge, 0L);
    }
    buckets.put(Double.POSITIVE_INFINITY, 0L);
    h.counts().forEach((edge, n) -> buckets.merge(edge, n, Long::sum));
    double[] bounds = new double[buckets.size()];
    long[] counts = new long[buckets.size()];
    int i = 0;
    for (Map.Entry<Double, Long> e : buckets.entrySet()) {
      bounds[i] = e.getKey() / 1000.0;
      counts[i++] = e.getValue();
    }
    return ClassicHistogramBuckets.of(bounds, counts);
  }

  private MetricSnapshots budgets() {
    GaugeSnapshot.Builder b =
        GaugeSnapshot.builder()
            .name("goodput_tenant_monthly_budget_usd")
            .help("A tenant's monthly budget in USD, from the metrics.budgets configuration.");
    config
        .budgetsUsd()
        .forEach(
            (tenant, usd) ->
                b.dataPoint(
                    GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("tenant", tenant))
                        .value(usd.doubleValue())
                        .build()));
    return MetricSnapshots.of(b.build());
  }

  private GaugeDataPointSnapshot gauge(SeriesKey series, double value) {
    return GaugeDataPointSnapshot.builder().labels(labels.get(series).base()).value(value).build();
  }

  private static CounterDataPointSnapshot point(Labels labels, long value) {
    return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
  }
}
