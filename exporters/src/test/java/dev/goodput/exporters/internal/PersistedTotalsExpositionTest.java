package dev.goodput.exporters.internal;

import static dev.goodput.streams.api.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.TopologyFixture;
import dev.goodput.streams.api.UsageCounters;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported families, the cardinality guard, month-to-date cost, objectives and budgets. */
class PersistedTotalsExpositionTest {

  private static final Instant NOW = TopologyFixture.WALL_CLOCK; // 2026-01-01T12:00:00Z
  private static final Instant JAN = Instant.parse("2026-01-01T01:00:00Z");
  private static final Instant DEC = Instant.parse("2025-12-20T10:00:00Z");

  @TempDir Path dir;
  private TopologyFixture fx;

  @BeforeEach
  void start() {
    fx = new TopologyFixture(dir);
    // 1 USD per 1M input tokens, nothing else; objective 0.95 for "m", default (0.99) for others.
    fx.apply(
        CatalogJson.parse(
            ("prices:\n"
                    + "  - {model: '*', effective_from: 2025-01-01T00:00:00Z, input: 1, output: 0}\n"
                    + "slo_policies:\n"
                    + "  - {model: m, effective_from: 2025-01-01T00:00:00Z, ttft_ms: 100,"
                    + " tpot_ms: 50, objective: 0.95}\n")
                .getBytes(StandardCharsets.UTF_8),
            "test"));
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  private String scrape(MetricsConfig config) {
    return scrape(config, HistogramEdges.of(fx.queries.catalog()));
  }

  private String scrape(MetricsConfig config, HistogramEdges edges) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TextOut text = new TextOut(out);
    new PersistedTotalsExposition(fx.queries, edges, config, NOW::toEpochMilli).write(text);
    text.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void shouldFoldTheCheapestTenantsIntoOtherWithoutLosingCounts() {
    // Costs: t1 1e-6 ... t5 5e-6 USD per event (input tokens 1..5); "zeta" is cheapest but
    // budgeted.
    for (int t = 1; t <= 5; t++) {
      fx.pipe(event("a" + t, "t" + t, "m", JAN, t, 1));
    }
    fx.pipe(event("z", "zeta", "m", JAN, 0, 1));
    fx.pipe(event("z2", "zeta", "m2", JAN, 0, 1));

    String text = scrape(MetricsConfig.of(Map.of("max.tenants", "2", "budgets.zeta", "12.50")));

    assertThat(values(text, "inference_input_tokens_total"))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "tenant=\"t5\",model=\"m\"", 5.0,
                "tenant=\"zeta\",model=\"m\"", 0.0,
                "tenant=\"zeta\",model=\"m2\"", 0.0,
                "tenant=\"__other__\",model=\"m\"", 1.0 + 2 + 3 + 4));
    assertThat(values(text, "inference_requests_total").values().stream().mapToDouble(d -> d).sum())
        .isEqualTo(7.0);
    assertThat(values(text, "goodput_cardinality_folded_tenants")).containsValue(4.0);
    assertThat(values(text, "goodput_exported_series")).containsValue(4.0);
    assertThat(values(text, "goodput_tenant_monthly_budget_usd"))
        .containsExactlyEntriesOf(Map.of("tenant=\"zeta\"", 12.5));
    // The folded histogram holds all four requests.
    assertThat(
            values(text, "inference_time_to_first_token_seconds_count")
                .get("tenant=\"__other__\",model=\"m\""))
        .isEqualTo(4.0);

    // Without the guard, every tenant has its own series.
    String open = scrape(MetricsConfig.of(Map.of("max.tenants", "0")));
    assertThat(values(open, "inference_input_tokens_total")).hasSize(7);
    assertThat(values(open, "goodput_cardinality_folded_tenants")).containsValue(0.0);
  }

  @Test
  void shouldExportTheMonthToDateCostAndTheObjectiveInEffect() {
    fx.pipe(event("dec", "acme", "m", DEC, 7_000_000, 1)); // 7 USD in December
    fx.pipe(event("jan1", "acme", "m", JAN, 2_000_000, 1)); // 2 USD in January
    fx.pipe(event("jan2", "acme", "m", JAN.plusSeconds(60), 500_000, 1)); // 0.5 USD
    fx.pipe(event("late", "acme", "m", DEC.plusSeconds(60), 1_000_000, 1)); // late, December

    String text = scrape(MetricsConfig.DEFAULT);

    assertThat(values(text, "inference_cost_usd_total"))
        .containsExactlyEntriesOf(Map.of("tenant=\"acme\",model=\"m\"", 10.5));
    assertThat(values(text, "goodput_cost_month_to_date_usd"))
        .containsExactlyEntriesOf(Map.of("tenant=\"acme\",model=\"m\"", 2.5));
    assertThat(values(text, "goodput_slo_objective_ratio"))
        .containsExactlyEntriesOf(Map.of("tenant=\"acme\",model=\"m\"", 0.95));
    assertThat(fx.queries.totals().values().iterator().next().monthCost())
        .isEqualByComparingTo(new BigDecimal("2.5"));
  }

  @Test
  void shouldEscapeAnyTenantNameInLabels() {
    String tenant = "we\"ird\\ten ant \u00fc\u4e2d";
    fx.pipe(event("x", tenant, "m", JAN, 3, 1));

    String text = scrape(MetricsConfig.DEFAULT);

    assertThat(text)
        .contains(
            "inference_input_tokens_total{tenant=\"we\\\"ird\\\\ten ant \u00fc\u4e2d\",model=\"m\"}"
                + " 3\n");
  }

  @Test
  void shouldExportEachCounterOfEachSeriesUnderItsOwnFamily() {
    // Each series gets other counts in every field, so that a value written under another family
    // or another series shows: a status mix, cached and reasoning tokens, TTFT (100 ms) and TPOT
    // (50 ms) violations on "m", none on "m2" (the default policy has no targets).
    Random random = new Random(11);
    Status[] statuses = {Status.OK, Status.OK, Status.ERROR, Status.CANCELLED};
    int n = 0;
    for (String tenant : List.of("t1", "t2", "t3")) {
      for (String model : List.of("m", "m2")) {
        for (int i = 0, events = 1 + random.nextInt(12); i < events; i++) {
          long output = 1 + random.nextInt(400);
          double ttft = 20 + random.nextInt(200);
          fx.pipe(
              event(
                  "c" + n++,
                  tenant,
                  model,
                  JAN.plusSeconds(n),
                  statuses[random.nextInt(statuses.length)],
                  100 + random.nextInt(5000),
                  random.nextInt(100),
                  output,
                  random.nextInt((int) output),
                  ttft,
                  ttft + output * (10 + random.nextInt(80))));
        }
      }
    }

    String text = scrape(MetricsConfig.of(Map.of("max.tenants", "0")));

    Map<String, Map<String, Double>> expected = new LinkedHashMap<>();
    fx.queries
        .totals()
        .forEach(
            (key, totals) -> {
              String series = "tenant=\"" + key.tenant() + "\",model=\"" + key.model() + "\"";
              UsageCounters c = totals.counters();
              Map<String, Long> byFamily = new LinkedHashMap<>();
              byFamily.put("inference_input_tokens_total", c.inputTokens());
              byFamily.put("inference_cached_input_tokens_total", c.cachedInputTokens());
              byFamily.put("inference_output_tokens_total", c.outputTokens());
              byFamily.put("inference_reasoning_tokens_total", c.reasoningTokens());
              byFamily.put("inference_good_requests_total", c.goodRequests());
              byFamily.put("inference_good_output_tokens_total", c.goodOutputTokens());
              byFamily.forEach(
                  (family, v) ->
                      expected
                          .computeIfAbsent(family, f -> new LinkedHashMap<>())
                          .put(series, (double) v));
              Map<String, Double> requests =
                  expected.computeIfAbsent("inference_requests_total", f -> new LinkedHashMap<>());
              requests.put(series + ",status=\"ok\"", (double) c.requestsOk());
              requests.put(series + ",status=\"error\"", (double) c.requestsError());
              requests.put(series + ",status=\"cancelled\"", (double) c.requestsCancelled());
              Map<String, Double> violations =
                  expected.computeIfAbsent(
                      "inference_slo_violations_total", f -> new LinkedHashMap<>());
              violations.put(series + ",slo=\"ttft\"", (double) c.ttftViolations());
              violations.put(series + ",slo=\"tpot\"", (double) c.tpotViolations());
              violations.put(series + ",slo=\"e2e\"", (double) c.e2eViolations());
              expected
                  .computeIfAbsent("inference_cost_usd_total", f -> new LinkedHashMap<>())
                  .put(series, c.cost().doubleValue());
            });
    assertThat(expected.get("inference_input_tokens_total")).hasSize(6);
    // The counts differ between families, so that a swap of two could not pass.
    assertThat(expected.get("inference_slo_violations_total").values()).contains(0.0);
    assertThat(expected.get("inference_slo_violations_total").values()).anyMatch(v -> v > 0);
    expected.forEach(
        (family, samples) ->
            assertThat(values(text, family))
                .as(family)
                .containsExactlyInAnyOrderEntriesOf(samples));
  }

  @Test
  void shouldExportBucketsCountingExactlyTheRequestsAtOrUnderEachBound() {
    Random random = new Random(7);
    List<InferenceEvent> ok = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      // Milliseconds with three decimals, every tenth exactly on a bucket edge (TTFT 100 ms).
      double ttft = i % 10 == 0 ? 100 : random.nextInt(3_000_000) / 1000.0;
      long output = 1 + random.nextInt(300);
      double e2e = ttft + output * (2 + random.nextInt(80));
      Status status = i % 17 == 0 ? Status.ERROR : Status.OK;
      InferenceEvent e =
          event("h" + i, "acme", "m", JAN.plusSeconds(i), status, 10, output, ttft, e2e);
      fx.pipe(e);
      if (status == Status.OK) {
        ok.add(e);
      }
    }
    List<Double> ttfts = ok.stream().map(InferenceEvent::ttftMs).toList();
    List<Double> tpots =
        ok.stream()
            .filter(e -> e.outputTokens() >= 2)
            .map(e -> (e.e2eMs() - e.ttftMs()) / (e.outputTokens() - 1))
            .toList();
    List<Double> e2es = ok.stream().map(InferenceEvent::e2eMs).toList();

    // The topology counted against the base edges; exporting those, or fewer (the counts' own
    // edges are then added), every bucket must hold exactly the requests at or under its bound.
    HistogramEdges counted = HistogramEdges.of(Catalog.EMPTY);
    HistogramEdges fewer =
        new HistogramEdges(new double[] {100, 1000}, new double[] {50}, new double[] {10_000});
    for (HistogramEdges exported : List.of(counted, fewer)) {
      String text = scrape(MetricsConfig.DEFAULT, exported);
      assertBuckets(text, "inference_time_to_first_token_seconds", ttfts, counted.ttftMs());
      assertBuckets(text, "inference_time_per_output_token_seconds", tpots, counted.tpotMs());
      assertBuckets(text, "inference_request_duration_seconds", e2es, counted.e2eMs());
    }
  }

  /** Every bucket of {@code family} against the values it counts. */
  private static void assertBuckets(
      String text, String family, List<Double> valuesMs, double[] countedEdgesMs) {
    String series = "tenant=\"acme\",model=\"m\"";
    Map<String, Double> buckets = values(text, family + "_bucket");
    List<String> bounds = new ArrayList<>();
    buckets.forEach(
        (labels, cumulative) -> {
          Matcher le =
              Pattern.compile("^" + Pattern.quote(series) + ",le=\"([^\"]+)\"$").matcher(labels);
          assertThat(le.matches()).as(labels).isTrue();
          bounds.add(le.group(1));
          long expected =
              le.group(1).equals("+Inf")
                  ? valuesMs.size()
                  : valuesMs.stream()
                      .filter(v -> v <= new BigDecimal(le.group(1)).movePointRight(3).doubleValue())
                      .count();
          assertThat(cumulative).as("%s le=%s", family, le.group(1)).isEqualTo((double) expected);
        });
    // Every edge a value was counted under is a bucket, and +Inf is last.
    for (double v : valuesMs) {
      int i = Arrays.binarySearch(countedEdgesMs, v);
      int at = i >= 0 ? i : -i - 1;
      if (at < countedEdgesMs.length) {
        String le =
            BigDecimal.valueOf(countedEdgesMs[at])
                .movePointLeft(3)
                .stripTrailingZeros()
                .toPlainString();
        assertThat(bounds).as(family).contains(le);
      }
    }
    assertThat(bounds.get(bounds.size() - 1)).isEqualTo("+Inf");
    assertThat(values(text, family + "_count"))
        .containsExactlyEntriesOf(Map.of(series, (double) valuesMs.size()));
    double sumSeconds = valuesMs.stream().mapToDouble(d -> d).sum() / 1000.0;
    // Written to the microsecond.
    assertThat(values(text, family + "_sum").get(series))
        .isCloseTo(sumSeconds, within(0.5e-6 + sumSeconds * 1e-12));
  }

  /** The samples of one family: label set (without braces) to value. */
  private static Map<String, Double> values(String text, String name) {
    Map<String, Double> out = new LinkedHashMap<>();
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{(.*)})? (\\S+)$").matcher(text);
    while (m.find()) {
      out.put(m.group(1) == null ? "" : m.group(1), Double.parseDouble(m.group(2)));
    }
    return out;
  }
}
