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
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * The pipeline's counters in the Prometheus text format, read from its persisted state at every
 * scrape: they never go backwards across restarts, and each instance exports only the partitions it
 * owns. While the state is not queryable (starting, rebalancing) the families are left out of the
 * scrape rather than reported partially. Tenants beyond the configured limit are folded into {@code
 * tenant="__other__"} ({@link CardinalityGuard}). Alongside: each series' month-to-date cost and
 * SLO objective, the tenants' budgets, and the number of exported series.
 *
 * <p>A scrape can hold tens of thousands of series of 71 samples each, so the text is written
 * directly as bytes ({@link TextOut}) with every series' label set escaped once and kept, rather
 * than through client_java's snapshot objects (ten times slower at 10,000 series; see
 * docs/BENCHMARKS.md). Bucket bounds are written as exact decimals of seconds ({@code le="0.45"},
 * {@code le="2"}), costs as their exact decimals (the usage API's figures; Prometheus reads them as
 * the nearest double), histogram sums in seconds to the microsecond.
 */
public final class PersistedTotalsExposition {

  private record Family(String name, String help, ToLongFunction<UsageCounters> value) {}

  private static final List<Family> WHOLE_FAMILIES =
      List.of(
          new Family(
              "inference_input_tokens",
              "Prompt tokens of accepted requests, cached ones included.",
              UsageCounters::inputTokens),
          new Family(
              "inference_cached_input_tokens",
              "Prompt tokens served from the prefix cache.",
              UsageCounters::cachedInputTokens),
          new Family(
              "inference_output_tokens",
              "Generated tokens of accepted requests, reasoning ones included.",
              UsageCounters::outputTokens),
          new Family(
              "inference_reasoning_tokens",
              "Generated tokens spent on hidden reasoning.",
              UsageCounters::reasoningTokens),
          new Family(
              "inference_good_requests",
              "Requests that ended ok within every target of their SLO policy.",
              UsageCounters::goodRequests),
          new Family(
              "inference_good_output_tokens",
              "Output tokens of good requests.",
              UsageCounters::goodOutputTokens));

  private static final List<Family> STATUS_FAMILY =
      List.of(
          new Family("ok", "", UsageCounters::requestsOk),
          new Family("error", "", UsageCounters::requestsError),
          new Family("cancelled", "", UsageCounters::requestsCancelled));

  private static final List<Family> SLO_FAMILY =
      List.of(
          new Family("ttft", "", UsageCounters::ttftViolations),
          new Family("tpot", "", UsageCounters::tpotViolations),
          new Family("e2e", "", UsageCounters::e2eViolations));

  /** Every family of whole numbers, in the order of their columns ({@link Columns#counts}). */
  private static final List<Family> COUNTED =
      Stream.of(STATUS_FAMILY, WHOLE_FAMILIES, SLO_FAMILY).flatMap(List::stream).toList();

  private static final byte[] CLOSE = bytes("} ");

  /** A histogram family: its name's line openings and its configured bucket bounds. */
  private record HistogramFamily(
      String name,
      String help,
      Function<SeriesTotals, Histogram> pick,
      double[] edgesMs,
      byte[][] les,
      byte[] bucket,
      byte[] count,
      byte[] sum) {
    static HistogramFamily of(
        String name, String help, Function<SeriesTotals, Histogram> pick, double[] edgesMs) {
      byte[][] les = new byte[edgesMs.length][];
      for (int i = 0; i < edgesMs.length; i++) {
        les[i] = le(edgesMs[i]);
      }
      return new HistogramFamily(
          name,
          help,
          pick,
          edgesMs,
          les,
          bytes(name + "_bucket{"),
          bytes(name + "_count{"),
          bytes(name + "_sum{"));
    }
  }

  private static final byte[] LE_INF = bytes(",le=\"+Inf\"} ");

  private final UsageQueries queries;
  private final MetricsConfig config;
  private final LongSupplier nowMs;
  private final CardinalityGuard guard;
  private final List<HistogramFamily> histograms;

  /** The label set {@code tenant="...",model="..."} of each exported series, escaped. */
  private final Map<SeriesKey, byte[]> labels = new ConcurrentHashMap<>();

  public PersistedTotalsExposition(
      UsageQueries queries, HistogramEdges edges, MetricsConfig config, LongSupplier nowMs) {
    this.queries = queries;
    this.config = config;
    this.nowMs = nowMs;
    this.guard = new CardinalityGuard(config.maxTenants(), config.budgetsUsd().keySet());
    this.histograms =
        List.of(
            HistogramFamily.of(
                "inference_time_to_first_token_seconds",
                "Time to first token of ok requests.",
                SeriesTotals::ttft,
                edges.ttftMs()),
            HistogramFamily.of(
                "inference_time_per_output_token_seconds",
                "Time per output token of ok requests with at least two output tokens.",
                SeriesTotals::tpot,
                edges.tpotMs()),
            HistogramFamily.of(
                "inference_request_duration_seconds",
                "End-to-end duration of ok requests.",
                SeriesTotals::e2e,
                edges.e2eMs()));
  }

  /**
   * Everything one scrape writes, read from the state before anything is sent: a scrape that fails
   * must fail before its first byte, not leave a well-formed but partial body. {@code keys} is null
   * while the state is not queryable.
   */
  record Snapshot(
      long now,
      long month,
      SeriesKey[] keys,
      SeriesTotals[] totals,
      byte[][] series,
      Map<Outcome, Long> outcomes,
      Catalog catalog,
      int foldedTenants) {}

  /** Reads the state one scrape writes. */
  Snapshot read() {
    long now = nowMs.getAsLong();
    long month = SeriesTotals.monthStartMs(now);
    Map<SeriesKey, SeriesTotals> all;
    Map<Outcome, Long> outcomes;
    Catalog catalog;
    CardinalityGuard.Folded folded;
    try {
      folded = guard.fold(queries.totals(), month);
      all = folded.series();
      outcomes = queries.outcomes();
      catalog = queries.catalog();
    } catch (NotReadyException e) {
      return new Snapshot(now, month, null, null, null, null, null, 0);
    }
    int n = all.size();
    SeriesKey[] keys = new SeriesKey[n];
    SeriesTotals[] totals = new SeriesTotals[n];
    byte[][] series = new byte[n][];
    int i = 0;
    for (Map.Entry<SeriesKey, SeriesTotals> e : all.entrySet()) {
      keys[i] = e.getKey();
      totals[i] = e.getValue();
      series[i] = labels.computeIfAbsent(keys[i], PersistedTotalsExposition::labelsOf);
      i++;
    }
    // Every key read has its labels now: more of them means some series are gone.
    if (labels.size() > n) {
      labels.keySet().retainAll(all.keySet());
    }
    return new Snapshot(
        now, month, keys, totals, series, outcomes, catalog, folded.foldedTenants());
  }

  /** Reads the state and writes every family. */
  void write(TextOut out) {
    write(out, read());
  }

  /** Writes every family of {@code s}; only the budgets while the state was not queryable. */
  void write(TextOut out, Snapshot s) {
    if (s.keys() == null) {
      budgets(out);
      return;
    }
    long now = s.now();
    long month = s.month();
    SeriesKey[] keys = s.keys();
    SeriesTotals[] totals = s.totals();
    byte[][] series = s.series();
    Catalog catalog = s.catalog();
    Columns columns = new Columns(totals, month, histograms);
    budgets(out);
    header(out, "goodput_cost_month_to_date_usd", "gauge", COST_MTD_HELP);
    byte[] name = bytes("goodput_cost_month_to_date_usd{");
    for (int i = 0; i < keys.length; i++) {
      sample(out, name, series[i], CLOSE).decimal(columns.costInMonth[i]);
      out.ascii('\n');
    }
    header(out, "goodput_slo_objective_ratio", "gauge", OBJECTIVE_HELP);
    name = bytes("goodput_slo_objective_ratio{");
    // A handful of distinct objectives over all series: each formatted once.
    double objective = Double.NaN;
    byte[] objectiveText = null;
    for (int i = 0; i < keys.length; i++) {
      double o = catalog.policy(keys[i].tenant(), keys[i].model(), null, now).objective();
      if (objectiveText == null || Double.compare(o, objective) != 0) {
        objective = o;
        objectiveText = bytes(TextOut.format(o) + "\n");
      }
      sample(out, name, series[i], CLOSE).bytes(objectiveText);
    }
    header(out, "goodput_exported_series", "gauge", EXPORTED_HELP);
    out.utf8("goodput_exported_series ").number(keys.length).ascii('\n');
    header(out, "goodput_cardinality_folded_tenants", "gauge", FOLDED_HELP);
    out.utf8("goodput_cardinality_folded_tenants ").number(s.foldedTenants()).ascii('\n');

    labelled(
        out,
        "inference_requests",
        "Accepted inference requests by final status.",
        "status",
        STATUS_FAMILY,
        columns,
        series);
    for (Family f : WHOLE_FAMILIES) {
      header(out, f.name() + "_total", "counter", f.help());
      name = bytes(f.name() + "_total{");
      long[] values = columns.counts[COUNTED.indexOf(f)];
      for (int i = 0; i < keys.length; i++) {
        out.line(name, series[i], CLOSE, values[i]);
      }
    }
    header(
        out,
        "inference_cost_usd_total",
        "counter",
        "Cost of accepted requests in USD, written as the usage API's exact decimal"
            + " (a float once in Prometheus).");
    name = bytes("inference_cost_usd_total{");
    for (int i = 0; i < keys.length; i++) {
      sample(out, name, series[i], CLOSE).decimal(columns.cost[i]);
      out.ascii('\n');
    }
    labelled(
        out,
        "inference_slo_violations",
        "Requests that ended ok but missed a target of their SLO policy, by target.",
        "slo",
        SLO_FAMILY,
        columns,
        series);
    for (int h = 0; h < histograms.size(); h++) {
      histogram(out, histograms.get(h), columns.histograms[h], series);
    }

    header(
        out,
        "goodput_events_total",
        "counter",
        "Records read from inference.requests.v1, by outcome; they add up to all read.");
    for (Map.Entry<Outcome, Long> e : s.outcomes().entrySet()) {
      out.utf8("goodput_events_total{" + TextOut.label("outcome", e.getKey().label()) + "} ");
      out.number(e.getValue()).ascii('\n');
    }
  }

  private static final String COST_MTD_HELP =
      "Cost in the current UTC calendar month, in USD (exact in the usage API).";
  private static final String OBJECTIVE_HELP =
      "SLO attainment objective of the policy in effect now (without slo_class).";
  private static final String EXPORTED_HELP =
      "Tenant x model series exported by this instance, after folding.";
  private static final String FOLDED_HELP =
      "Tenants of this instance folded into tenant=\"__other__\" by the limit.";

  /**
   * What the families read of every series, copied out of its objects in one pass. The text format
   * groups each family's samples, so the families are written one after the other over all series;
   * read from the series' objects, every family would visit all of them again, at 10,000 series
   * from memory rather than from the cache (docs/BENCHMARKS.md, scrape).
   */
  private static final class Columns {
    /** By family of {@link #COUNTED}, then by series. */
    final long[][] counts;

    final BigDecimal[] cost;
    final BigDecimal[] costInMonth;

    /** By histogram family, then by series. */
    final Histogram[][] histograms;

    Columns(SeriesTotals[] totals, long month, List<HistogramFamily> families) {
      int n = totals.length;
      counts = new long[COUNTED.size()][n];
      cost = new BigDecimal[n];
      costInMonth = new BigDecimal[n];
      histograms = new Histogram[families.size()][n];
      for (int i = 0; i < n; i++) {
        SeriesTotals t = totals[i];
        UsageCounters c = t.counters();
        for (int f = 0; f < counts.length; f++) {
          counts[f][i] = COUNTED.get(f).value().applyAsLong(c);
        }
        cost[i] = c.cost();
        costInMonth[i] = t.costInMonth(month);
        for (int h = 0; h < histograms.length; h++) {
          histograms[h][i] = families.get(h).pick().apply(t);
        }
      }
    }
  }

  /** A counter family with one extra label, a sample per value of it. */
  private static void labelled(
      TextOut out,
      String family,
      String help,
      String label,
      List<Family> values,
      Columns columns,
      byte[][] series) {
    header(out, family + "_total", "counter", help);
    byte[] name = bytes(family + "_total{");
    byte[][] close = new byte[values.size()][];
    long[][] counts = new long[values.size()][];
    for (int v = 0; v < close.length; v++) {
      close[v] = bytes("," + TextOut.label(label, values.get(v).name()) + "} ");
      counts[v] = columns.counts[COUNTED.indexOf(values.get(v))];
    }
    for (int i = 0; i < series.length; i++) {
      for (int v = 0; v < close.length; v++) {
        out.line(name, series[i], close[v], counts[v][i]);
      }
    }
  }

  /**
   * A histogram family from persisted per-edge counts: the buckets are the configured edges plus
   * any edge a count was stored under, so no bucket disappears after a configuration change.
   */
  private static void histogram(
      TextOut out, HistogramFamily f, Histogram[] histograms, byte[][] series) {
    header(out, f.name(), "histogram", f.help());
    double[] conf = f.edgesMs();
    for (int s = 0; s < histograms.length; s++) {
      Histogram h = histograms[s];
      int own = h.edgeCount();
      int i = 0;
      int j = 0;
      long cumulative = 0;
      while (true) {
        boolean hasConf = i < conf.length;
        boolean hasOwn = j < own && h.edgeMs(j) != Double.POSITIVE_INFINITY;
        if (!hasConf && !hasOwn) {
          break;
        }
        byte[] le;
        if (hasOwn && (!hasConf || h.edgeMs(j) < conf[i])) {
          cumulative += h.countAt(j);
          le = le(h.edgeMs(j++));
        } else {
          if (hasOwn && h.edgeMs(j) == conf[i]) {
            cumulative += h.countAt(j++);
          }
          le = f.les()[i++];
        }
        out.line(f.bucket(), series[s], le, cumulative);
      }
      long count = h.count();
      out.line(f.bucket(), series[s], LE_INF, count);
      out.line(f.count(), series[s], CLOSE, count);
      sample(out, f.sum(), series[s], CLOSE).micros(h.sumMs() / 1000.0).ascii('\n');
    }
  }

  private void budgets(TextOut out) {
    header(
        out,
        "goodput_tenant_monthly_budget_usd",
        "gauge",
        "A tenant's monthly budget in USD, from the metrics.budgets configuration.");
    config
        .budgetsUsd()
        .forEach(
            (tenant, usd) ->
                out.utf8(
                        "goodput_tenant_monthly_budget_usd{"
                            + TextOut.label("tenant", tenant)
                            + "} ")
                    .decimal(usd)
                    .ascii('\n'));
  }

  private static TextOut sample(TextOut out, byte[] name, byte[] series, byte[] close) {
    return out.bytes(name).bytes(series).bytes(close);
  }

  private static void header(TextOut out, String name, String type, String help) {
    out.utf8("# HELP " + name + " " + help.replace("\\", "\\\\").replace("\n", "\\n") + "\n");
    out.utf8("# TYPE " + name + " " + type + "\n");
  }

  private static byte[] labelsOf(SeriesKey k) {
    return bytes(TextOut.label("tenant", k.tenant()) + "," + TextOut.label("model", k.model()));
  }

  /** {@code ,le="<edge in seconds>"} followed by the value's separator. */
  private static byte[] le(double edgeMs) {
    String seconds =
        BigDecimal.valueOf(edgeMs).movePointLeft(3).stripTrailingZeros().toPlainString();
    return bytes(",le=\"" + seconds + "\"} ");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
