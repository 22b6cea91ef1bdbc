package dev.goodput.exporters.internal;

import static dev.goodput.streams.api.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.TopologyFixture;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported families, the cardinality guard, month-to-date cost, objectives and budgets. */
class PersistedTotalsCollectorTest {

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

  private String scrape(MetricsConfig config) throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(
        new PersistedTotalsCollector(
            fx.queries, HistogramEdges.of(fx.queries.catalog()), config, NOW::toEpochMilli));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void shouldFoldTheCheapestTenantsIntoOtherWithoutLosingCounts() throws Exception {
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
                "model=\"m\",tenant=\"t5\"", 5.0,
                "model=\"m\",tenant=\"zeta\"", 0.0,
                "model=\"m2\",tenant=\"zeta\"", 0.0,
                "model=\"m\",tenant=\"__other__\"", 1.0 + 2 + 3 + 4));
    assertThat(values(text, "inference_requests_total").values().stream().mapToDouble(d -> d).sum())
        .isEqualTo(7.0);
    assertThat(values(text, "goodput_cardinality_folded_tenants")).containsValue(4.0);
    assertThat(values(text, "goodput_exported_series")).containsValue(4.0);
    assertThat(values(text, "goodput_tenant_monthly_budget_usd"))
        .containsExactlyEntriesOf(Map.of("tenant=\"zeta\"", 12.5));
    // The folded histogram holds all four requests.
    assertThat(
            values(text, "inference_time_to_first_token_seconds_count")
                .get("model=\"m\",tenant=\"__other__\""))
        .isEqualTo(4.0);

    // Without the guard, every tenant has its own series.
    String open = scrape(MetricsConfig.of(Map.of("max.tenants", "0")));
    assertThat(values(open, "inference_input_tokens_total")).hasSize(7);
    assertThat(values(open, "goodput_cardinality_folded_tenants")).containsValue(0.0);
  }

  @Test
  void shouldExportTheMonthToDateCostAndTheObjectiveInEffect() throws Exception {
    fx.pipe(event("dec", "acme", "m", DEC, 7_000_000, 1)); // 7 USD in December
    fx.pipe(event("jan1", "acme", "m", JAN, 2_000_000, 1)); // 2 USD in January
    fx.pipe(event("jan2", "acme", "m", JAN.plusSeconds(60), 500_000, 1)); // 0.5 USD
    fx.pipe(event("late", "acme", "m", DEC.plusSeconds(60), 1_000_000, 1)); // late, December

    String text = scrape(MetricsConfig.DEFAULT);

    assertThat(values(text, "inference_cost_usd_total"))
        .containsExactlyEntriesOf(Map.of("model=\"m\",tenant=\"acme\"", 10.5));
    assertThat(values(text, "goodput_cost_month_to_date_usd"))
        .containsExactlyEntriesOf(Map.of("model=\"m\",tenant=\"acme\"", 2.5));
    assertThat(values(text, "goodput_slo_objective_ratio"))
        .containsExactlyEntriesOf(Map.of("model=\"m\",tenant=\"acme\"", 0.95));
    assertThat(fx.queries.totals().values().iterator().next().monthCost())
        .isEqualByComparingTo(new BigDecimal("2.5"));
  }

  @Test
  void shouldEscapeAnyTenantNameInLabels() throws Exception {
    String tenant = "we\"ird\\ten ant \u00fc\u4e2d";
    fx.pipe(event("x", tenant, "m", JAN, 3, 1));

    String text = scrape(MetricsConfig.DEFAULT);

    assertThat(text)
        .contains(
            "inference_input_tokens_total{model=\"m\",tenant=\"we\\\"ird\\\\ten ant \u00fc\u4e2d\"}"
                + " 3.0");
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
