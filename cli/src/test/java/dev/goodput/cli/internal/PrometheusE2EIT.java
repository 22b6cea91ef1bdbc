package dev.goodput.cli.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import dev.goodput.streams.api.ApiConfig;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.StreamsAppConfig;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Prometheus configuration and rules against a running pipeline. Debian's {@code
 * prometheus} scrapes the pipeline's {@code /metrics} with every rule file of {@code
 * deploy/prometheus/rules}, its durations divided by {@value #TIME_FACTOR} so that alerts written
 * for hours fire in seconds (the rules themselves are not changed). The counters Prometheus stores
 * must equal the usage API and a recomputation from the events produced, a tenant missing its TTFT
 * target must page with {@code GoodputSLOBurnFast}, and a healthy tenant must stay quiet.
 *
 * <p>Without {@code prometheus} on the PATH the scenario is skipped, or fails when {@code CI=true}.
 */
class PrometheusE2EIT {

  /**
   * Every duration of the rules is divided by this: {@code [5m]} becomes {@code [5s]}, {@code [1h]}
   * {@code [1m]}, {@code [3d]} {@code [72m]}, {@code offset 10m} {@code offset 10s}, {@code for:
   * 2m} {@code for: 2s}.
   */
  static final int TIME_FACTOR = 60;

  /**
   * Scrape and evaluation interval. The shipped 15 s divided by the factor would be 250 ms; 1 s
   * still puts 5 samples in the shortest window (5 s) and spares a small machine.
   */
  private static final String INTERVAL = "1s";

  /** The Maven module's basedir is the working directory; the repository root is its parent. */
  private static final Path SHIPPED =
      Path.of("").toAbsolutePath().getParent().resolve("deploy/prometheus");

  private static final String BURNING = "acme";
  private static final String HEALTHY = "globex";
  private static final List<String> MODELS = List.of("llama-3.3-70b-instruct", "deepseek-v2.5");
  private static final double BURNING_TTFT_MS = 150;
  private static final double HEALTHY_TTFT_MS = 400;
  private static final double TPOT_MS = 200;
  private static final double OBJECTIVE = 0.99;

  /** 150 and 400 ms are not among the base edges: they are edges only because of the policies. */
  private static final String CATALOG =
      """
      prices:
        - {model: '*', effective_from: 2020-01-01T00:00:00Z,
           input: 0.60, cached_input: 0.15, output: 0.80, request: 0.0001}
      slo_policies:
        - {model: '*', tenant: acme, effective_from: 2020-01-01T00:00:00Z,
           ttft_ms: 150, tpot_ms: 200, objective: 0.99}
        - {model: '*', tenant: globex, effective_from: 2020-01-01T00:00:00Z,
           ttft_ms: 400, tpot_ms: 200, objective: 0.99}
      """;

  private static final String BURN_FAST = "GoodputSLOBurnFast";
  private static final int EVENTS_PER_TENANT_PER_BATCH = 30;
  private static final long ALERT_DEADLINE_MS = 90_000;
  private static final long AWAIT_DEADLINE_MS = 30_000;

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void shouldStoreTheUsageApisCountersAndPageForATenantMissingItsTtftTarget() throws Exception {
    Path binary = prometheusOnPath();
    // Given prices and SLO policies published before the pipeline starts (as `goodput run
    // --config` does), so that the first event is already judged by them: acme's first token is
    // due within 150 ms, globex's within 400 ms, and both targets are histogram edges
    Catalog catalog = CatalogJson.parse(CATALOG.getBytes(UTF_8), "test catalog");
    try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"))) {
      Map<String, String> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
      StreamsAppConfig streams =
          new StreamsAppConfig(
              Map.of(
                  StreamsAppConfig.STATE_DIR, dir.resolve("streams").toString(),
                  StreamsAppConfig.TOPIC_PARTITIONS, "3",
                  StreamsAppConfig.TOPIC_REPLICATION_FACTOR, "1"));
      Pipeline.ensureTopics(clients, streams);
      assertThat(CatalogPublisher.publish(clients, catalog)).isEqualTo(3);
      ApiConfig api = new ApiConfig(Map.of(ApiConfig.PORT, "0"));
      // And Prometheus scraping the pipeline with the shipped configuration and compressed rules
      try (Pipeline pipeline =
              Pipeline.start(
                  clients, streams, api, HistogramEdges.of(catalog), MetricsConfig.DEFAULT);
          Prometheus prometheus =
              Prometheus.start(binary, dir.resolve("prometheus"), pipeline.apiUri())) {
        try {
          burnAndCheck(kafka.bootstrapServers(), pipeline.apiUri(), prometheus);
        } catch (Throwable t) {
          System.err.println("prometheus log (tail):\n" + prometheus.logTail());
          throw t;
        }
      }
    }
  }

  private static void burnAndCheck(String bootstrap, URI api, Prometheus prometheus)
      throws Exception {
    long seed = System.nanoTime();
    System.out.println("PrometheusE2EIT seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);

    // When acme's requests mostly miss their TTFT target and globex's all meet theirs, a batch a
    // second, until the fast-burn alert fires for acme on every model it used
    List<InferenceEvent> sent = new ArrayList<>();
    Map<String, Set<String>> burningStates = new TreeMap<>();
    Set<String> healthyAlerts = new TreeSet<>();
    long deadline = System.currentTimeMillis() + ALERT_DEADLINE_MS;
    for (int batch = 0; ; batch++) {
      List<InferenceEvent> events = new ArrayList<>();
      events.addAll(
          PipelineIT.randomEvents(
              EVENTS_PER_TENANT_PER_BATCH,
              Instant.now().minus(3, ChronoUnit.HOURS),
              random,
              List.of(BURNING),
              "b" + batch + "-"));
      events.addAll(healthyEvents(EVENTS_PER_TENANT_PER_BATCH, random, "h" + batch + "-"));
      PipelineIT.produce(bootstrap, events, List.of());
      sent.addAll(events);
      Thread.sleep(1_000);

      for (JsonNode alert : prometheus.api("/api/v1/alerts").path("alerts")) {
        JsonNode labels = alert.path("labels");
        String tenant = labels.path("tenant").asText();
        if (tenant.equals(HEALTHY)) {
          healthyAlerts.add(labels.path("alertname").asText() + " " + alert.path("state").asText());
        } else if (tenant.equals(BURNING) && labels.path("alertname").asText().equals(BURN_FAST)) {
          assertThat(labels.path("severity").asText()).isEqualTo("page");
          burningStates
              .computeIfAbsent(labels.path("model").asText(), m -> new TreeSet<>())
              .add(alert.path("state").asText() + "@batch" + batch);
        }
      }
      Set<String> burningModels = models(sent, BURNING);
      boolean firing =
          burningModels.stream()
              .allMatch(
                  m ->
                      burningStates.getOrDefault(m, Set.of()).stream()
                          .anyMatch(s -> s.startsWith("firing")));
      if (firing) {
        break;
      }
      if (System.currentTimeMillis() > deadline) {
        fail(
            "%s for %s on %s did not fire within %d ms; seen: %s; attainment now: %s",
            BURN_FAST,
            BURNING,
            burningModels,
            ALERT_DEADLINE_MS,
            burningStates,
            prometheus.query("tenant_model:slo_attainment:ratio_rate1h"));
      }
    }
    System.out.println("PrometheusE2EIT " + BURN_FAST + " of " + BURNING + ": " + burningStates);

    // Then acme pages on every model it used, and globex has no alert at all
    assertThat(burningStates.keySet()).isEqualTo(models(sent, BURNING));
    assertThat(healthyAlerts).as("alerts of the healthy tenant").isEmpty();

    // And while the burn goes on, the recorded 5m (5 s) attainment of acme is beyond the page's
    // threshold (14.4 x the error budget), and globex's is exactly 1: every request was good, so
    // the good and the eligible rates are the same numbers
    Map<String, BigDecimal> attainment =
        prometheus.values("tenant_model:slo_attainment:ratio_rate5m", PrometheusE2EIT::tenantModel);
    System.out.println("PrometheusE2EIT ratio_rate5m: " + attainment);
    for (String model : models(sent, BURNING)) {
      assertThat(attainment).containsKey(BURNING + " " + model);
      assertThat(attainment.get(BURNING + " " + model).doubleValue())
          .as("attainment of %s on %s", BURNING, model)
          .isLessThan(1 - 14.4 * (1 - OBJECTIVE));
    }
    for (String model : models(sent, HEALTHY)) {
      assertThat(attainment.get(HEALTHY + " " + model))
          .as("attainment of %s on %s", HEALTHY, model)
          .isEqualByComparingTo("1");
    }

    // When the pipeline has read every record and Prometheus has scraped it since (a scrape's
    // timestamp may be moved by a few ms to line up with the interval, hence the 100 ms)
    awaitRecordsRead(api, sent.size());
    double readAtSeconds = (System.currentTimeMillis() + 100) / 1000.0;
    long scrapeDeadline = System.currentTimeMillis() + AWAIT_DEADLINE_MS;
    while (prometheus.scalar("max(timestamp(inference_requests_total))") <= readAtSeconds) {
      assertThat(System.currentTimeMillis())
          .as("a scrape after all was read")
          .isLessThan(scrapeDeadline);
      Thread.sleep(200);
    }

    // Then for each tenant the usage API equals a recomputation from the events, and Prometheus's
    // counters equal the usage API
    Instant from =
        Instant.ofEpochMilli(
                sent.stream().mapToLong(InferenceEvent::timestampMs).min().orElseThrow())
            .truncatedTo(ChronoUnit.HOURS);
    Instant to = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
    Map<String, BigDecimal> requests =
        prometheus.values(
            "sum by (tenant, status) (inference_requests_total)",
            m -> m.path("tenant").asText() + " " + m.path("status").asText());
    Map<String, BigDecimal> cost =
        prometheus.values("sum by (tenant) (inference_cost_usd_total)", PrometheusE2EIT::tenant);
    Map<String, BigDecimal> good =
        prometheus.values(
            "sum by (tenant) (inference_good_requests_total)", PrometheusE2EIT::tenant);
    Map<String, BigDecimal> ttftViolations =
        prometheus.values(
            "sum by (tenant) (inference_slo_violations_total{slo=\"ttft\"})",
            PrometheusE2EIT::tenant);
    Map<String, BigDecimal> outputTokens =
        prometheus.values(
            "sum by (tenant) (inference_output_tokens_total)", PrometheusE2EIT::tenant);
    Map<String, BigDecimal> withinTtftTarget =
        prometheus.values(
            "sum by (tenant) (inference_time_to_first_token_seconds_bucket{le=\"0.15\","
                + " tenant=\"acme\"} or inference_time_to_first_token_seconds_bucket{le=\"0.4\","
                + " tenant=\"globex\"})",
            PrometheusE2EIT::tenant);
    for (String tenant : List.of(BURNING, HEALTHY)) {
      Expected expected = Expected.of(sent, tenant);
      JsonNode totals = usageTotals(api, tenant, from, to);
      long[] counters = PipelineIT.counters(totals);
      System.out.printf(
          "PrometheusE2EIT %s: api requests=%s ok=%d error=%d cancelled=%d good=%d ttft_violations=%d"
              + " cost=%s; prometheus requests=%s good=%s ttft=%s cost=%s within_target=%s%n",
          tenant,
          counters[0],
          counters[1],
          counters[2],
          counters[3],
          totals.get("good_requests").asLong(),
          totals.get("ttft_violations").asLong(),
          totals.get("cost").asText(),
          requests,
          good.get(tenant),
          ttftViolations.get(tenant),
          cost.get(tenant),
          withinTtftTarget.get(tenant));

      // the usage API against the recomputation, exactly
      assertThat(counters).as(tenant + " counters").containsExactly(expected.counters());
      assertThat(totals.get("good_requests").asLong())
          .as(tenant + " good")
          .isEqualTo(expected.good);
      assertThat(totals.get("ttft_violations").asLong())
          .as(tenant + " ttft violations")
          .isEqualTo(expected.ttftViolations);
      BigDecimal apiCost = new BigDecimal(totals.get("cost").asText());
      assertThat(apiCost).as(tenant + " cost").isEqualByComparingTo(expected.cost);

      // Prometheus against the usage API: counts exactly
      assertThat(requests.get(tenant + " ok"))
          .as(tenant + " ok")
          .isEqualByComparingTo(big(counters[1]));
      assertThat(requests.get(tenant + " error"))
          .as(tenant + " error")
          .isEqualByComparingTo(big(counters[2]));
      assertThat(requests.get(tenant + " cancelled"))
          .as(tenant + " cancelled")
          .isEqualByComparingTo(big(counters[3]));
      assertThat(good.get(tenant))
          .as(tenant + " good")
          .isEqualByComparingTo(big(totals.get("good_requests").asLong()));
      assertThat(ttftViolations.get(tenant))
          .as(tenant + " ttft violations")
          .isEqualByComparingTo(big(totals.get("ttft_violations").asLong()));
      assertThat(outputTokens.get(tenant))
          .as(tenant + " output tokens")
          .isEqualByComparingTo(big(counters[6]));
      // And the policy's target is a bucket edge: the bucket at it holds exactly the ok requests
      // that met it
      assertThat(withinTtftTarget.get(tenant))
          .as(tenant + " requests within the TTFT target")
          .isEqualByComparingTo(big(counters[1] - expected.ttftViolations));

      // The cost: /metrics serves each tenant x model's exact decimal as the nearest double, and
      // Prometheus adds those doubles; each step is off by at most an ulp (about 1e-16
      // relative), so 1e-12 relative is far above the float error and far below any cent or
      // request price that could be lost or counted twice
      assertThat(cost.get(tenant).subtract(apiCost).abs())
          .as("%s cost: prometheus %s, usage API %s", tenant, cost.get(tenant), apiCost)
          .isLessThanOrEqualTo(apiCost.multiply(new BigDecimal("1e-12")));
    }
    assertThat(
            prometheus.values(
                "sum by (outcome) (goodput_events_total)", m -> m.path("outcome").asText()))
        .as("outcomes")
        .containsEntry("accepted", big(sent.size()))
        .containsEntry("duplicate", BigDecimal.ZERO)
        .containsEntry("rejected", BigDecimal.ZERO);

    // And every shipped rule group is loaded with its durations compressed, and every rule
    // evaluates without error
    Set<String> groups = new TreeSet<>();
    List<String> unhealthy = new ArrayList<>();
    for (JsonNode group : prometheus.api("/api/v1/rules").path("groups")) {
      groups.add(group.path("name").asText());
      for (JsonNode rule : group.path("rules")) {
        if (!rule.path("health").asText().equals("ok")) {
          unhealthy.add(rule.path("name").asText() + ": " + rule.path("lastError").asText());
        }
        if (rule.path("name").asText().equals(BURN_FAST)) {
          assertThat(rule.path("duration").asLong()).as("for: of " + BURN_FAST).isEqualTo(2);
        }
      }
    }
    assertThat(groups).isEqualTo(shippedGroups());
    assertThat(unhealthy).as("rules not evaluated cleanly").isEmpty();

    // And the healthy tenant still has no alert
    JsonNode alerts = prometheus.api("/api/v1/alerts").path("alerts");
    System.out.println("PrometheusE2EIT alerts at the end: " + alerts);
    for (JsonNode alert : alerts) {
      assertThat(alert.path("labels").path("tenant").asText())
          .as("tenant of alert %s", alert)
          .isNotEqualTo(HEALTHY);
    }
  }

  @Test
  void shouldDivideDurationsOfRangesOffsetsAndForButNotRuleNames() {
    // Given rule text with each kind of duration and a window suffix in a rule name
    String rules =
        """
        - record: tenant_model:slo_attainment:ratio_rate5m
          expr: sum(rate(x_total[5m])) / sum(increase(y_total[1h] offset 10m)) > deriv(z[3d:30m])
          for: 15m
        """;

    // When
    String compressed = compressDurations(rules, 60);

    // Then
    assertThat(compressed)
        .isEqualTo(
            """
            - record: tenant_model:slo_attainment:ratio_rate5m
              expr: sum(rate(x_total[5s])) / sum(increase(y_total[1m] offset 10s)) > deriv(z[72m:30s])
              for: 15s
            """);
  }

  @Test
  void shouldRefuseADurationTheFactorDoesNotDivideExactly() {
    assertThatThrownBy(() -> compressDurations("rate(x[1s])", 60))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1s");
  }

  private static final String DURATION = "(?:\\d+(?:ms|[smhdwy]))+";
  private static final Pattern RANGE =
      Pattern.compile("\\[(" + DURATION + ")(?::(" + DURATION + ")?)?]");
  private static final Pattern OFFSET = Pattern.compile("\\b(offset\\s+)(" + DURATION + ")\\b");
  private static final Pattern FOR =
      Pattern.compile("(?m)^([ \\t]*for:[ \\t]*)(" + DURATION + ")[ \\t]*$");
  private static final Pattern UNIT = Pattern.compile("(\\d+)(ms|[smhdwy])");

  /**
   * Rule text with every duration divided by {@code factor}: inside range selectors and subqueries
   * ({@code [5m]}, {@code [3d:30m]}), after {@code offset}, and as the value of {@code for:}. Those
   * are the only places the rules put durations (deploy/README.md); a window suffix in a name such
   * as {@code ratio_rate5m} is a name and stays.
   *
   * @throws IllegalArgumentException if a duration is not a whole number of milliseconds once
   *     divided
   */
  static String compressDurations(String rules, int factor) {
    String out =
        replace(
            RANGE,
            rules,
            m ->
                "["
                    + divide(m.group(1), factor)
                    + (m.group(2) == null
                        ? (m.group(0).contains(":") ? ":" : "")
                        : ":" + divide(m.group(2), factor))
                    + "]");
    out = replace(OFFSET, out, m -> m.group(1) + divide(m.group(2), factor));
    return replace(FOR, out, m -> m.group(1) + divide(m.group(2), factor));
  }

  private static String replace(Pattern p, String text, Function<Matcher, String> with) {
    Matcher m = p.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(with.apply(m)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A Prometheus duration divided by factor, in the largest unit that keeps it whole. */
  private static String divide(String duration, int factor) {
    long ms = 0;
    Matcher m = UNIT.matcher(duration);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      ms +=
          n
              * switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                case "w" -> 7 * 86_400_000L;
                default -> 365 * 86_400_000L;
              };
    }
    if (ms % factor != 0) {
      throw new IllegalArgumentException(duration + " is not a whole number of ms / " + factor);
    }
    long divided = ms / factor;
    if (divided % 60_000 == 0) {
      return divided / 60_000 + "m";
    }
    return divided % 1_000 == 0 ? divided / 1_000 + "s" : divided + "ms";
  }

  /** What the events of one tenant must add up to under the test catalog, written out by hand. */
  private record Expected(long[] counters, long good, long ttftViolations, BigDecimal cost) {

    static Expected of(List<InferenceEvent> events, String tenant) {
      long[] counters = new long[8];
      PipelineIT.expectedRows(events, tenant)
          .values()
          .forEach(
              row -> {
                for (int i = 0; i < counters.length; i++) {
                  counters[i] += row[i];
                }
              });
      double ttftTarget = tenant.equals(BURNING) ? BURNING_TTFT_MS : HEALTHY_TTFT_MS;
      long good = 0;
      long ttftViolations = 0;
      BigDecimal cost = BigDecimal.ZERO;
      for (InferenceEvent e : events) {
        if (!e.tenant().equals(tenant)) {
          continue;
        }
        // input 0.60, cached input 0.15, output (reasoning included) 0.80 per 1M; 0.0001 a request
        cost =
            cost.add(
                BigDecimal.valueOf(e.inputTokens() - e.cachedInputTokens())
                    .multiply(new BigDecimal("0.60"))
                    .add(BigDecimal.valueOf(e.cachedInputTokens()).multiply(new BigDecimal("0.15")))
                    .add(BigDecimal.valueOf(e.outputTokens()).multiply(new BigDecimal("0.80")))
                    .divide(BigDecimal.valueOf(1_000_000), MathContext.UNLIMITED)
                    .add(new BigDecimal("0.0001")));
        if (e.status() != Status.OK) {
          continue;
        }
        boolean ttftMissed = e.ttftMs() > ttftTarget;
        double tpotMs =
            e.outputTokens() < 2 ? 0 : (e.e2eMs() - e.ttftMs()) / (e.outputTokens() - 1);
        ttftViolations += ttftMissed ? 1 : 0;
        good += !ttftMissed && tpotMs <= TPOT_MS ? 1 : 0;
      }
      return new Expected(counters, good, ttftViolations, cost);
    }
  }

  /**
   * {@code n} events of the healthy tenant, all ok and within its policy: first token after 20 to
   * 319 ms, then 20 ms per token; finished in the last minute.
   */
  private static List<InferenceEvent> healthyEvents(int n, SplittableRandom random, String prefix) {
    long now = System.currentTimeMillis();
    List<InferenceEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long input = random.nextInt(4000);
      long output = 1 + random.nextInt(500);
      double ttftMs = 20 + random.nextInt(300);
      out.add(
          new InferenceEvent(
              prefix + i,
              HEALTHY,
              MODELS.get(random.nextInt(MODELS.size())),
              now - random.nextInt(60_000),
              Status.OK,
              input,
              random.nextInt((int) input + 1),
              output,
              0,
              ttftMs,
              ttftMs + 20.0 * output,
              null,
              null,
              null,
              null,
              null,
              null,
              Map.of()));
    }
    return out;
  }

  private static Set<String> models(List<InferenceEvent> events, String tenant) {
    Set<String> out = new TreeSet<>();
    events.stream().filter(e -> e.tenant().equals(tenant)).forEach(e -> out.add(e.model()));
    return out;
  }

  private static String tenant(JsonNode metric) {
    return metric.path("tenant").asText();
  }

  private static String tenantModel(JsonNode metric) {
    return metric.path("tenant").asText() + " " + metric.path("model").asText();
  }

  private static BigDecimal big(long n) {
    return BigDecimal.valueOf(n);
  }

  private static JsonNode usageTotals(URI api, String tenant, Instant from, Instant to)
      throws Exception {
    HttpResponse<String> r =
        PipelineIT.get(
            api.resolve(
                "/v1/tenants/" + tenant + "/usage?granularity=total&from=" + from + "&to=" + to));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).get("totals");
  }

  /** Waits until goodput_events_total over all outcomes on /metrics reaches {@code records}. */
  private static void awaitRecordsRead(URI api, long records) throws Exception {
    Pattern sample = Pattern.compile("(?m)^goodput_events_total\\{[^}]*} (\\S+)$");
    long deadline = System.currentTimeMillis() + AWAIT_DEADLINE_MS;
    long seen = -1;
    while (seen < records && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      Matcher m = sample.matcher(PipelineIT.get(api.resolve("/metrics")).body());
      seen = 0;
      while (m.find()) {
        seen += (long) Double.parseDouble(m.group(1));
      }
    }
    assertThat(seen).as("records read").isEqualTo(records);
  }

  private static Set<String> shippedGroups() throws IOException {
    Set<String> out = new TreeSet<>();
    for (Path file : shippedRuleFiles()) {
      YAML.readTree(file.toFile()).path("groups").forEach(g -> out.add(g.path("name").asText()));
    }
    return out;
  }

  private static List<Path> shippedRuleFiles() throws IOException {
    try (Stream<Path> files = Files.list(SHIPPED.resolve("rules"))) {
      return files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
    }
  }

  /** prometheus from the PATH; without it the test is skipped, or fails when CI=true. */
  private static Path prometheusOnPath() {
    Optional<Path> found =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .filter(d -> !d.isEmpty())
            .map(d -> Path.of(d, "prometheus"))
            .filter(Files::isExecutable)
            .findFirst();
    if (found.isPresent()) {
      return found.get();
    }
    if ("true".equals(System.getenv("CI"))) {
      return fail("prometheus is not on the PATH: apt-get install prometheus");
    }
    return Assumptions.abort(
        "prometheus is not on the PATH: skipped (apt-get install prometheus; with CI=true this"
            + " fails)");
  }

  /** A Prometheus server of this test: its configuration, data and log under one directory. */
  private static final class Prometheus implements AutoCloseable {

    private final Process process;
    private final URI base;
    private final Path log;

    private Prometheus(Process process, URI base, Path log) {
      this.process = process;
      this.base = base;
      this.log = log;
    }

    /**
     * Writes the shipped prometheus.yml with the intervals shortened and job goodput pointed at
     * {@code target}, and compressed copies of every shipped rule file next to it; starts
     * Prometheus on a free port and waits until it is ready.
     */
    static Prometheus start(Path binary, Path home, URI target) throws Exception {
      Files.createDirectories(home.resolve("rules"));
      for (Path rules : shippedRuleFiles()) {
        Files.writeString(
            home.resolve("rules").resolve(rules.getFileName()),
            compressDurations(Files.readString(rules), TIME_FACTOR));
      }
      ObjectNode config = (ObjectNode) YAML.readTree(SHIPPED.resolve("prometheus.yml").toFile());
      ObjectNode global = (ObjectNode) config.get("global");
      global.put("scrape_interval", INTERVAL);
      global.put("evaluation_interval", INTERVAL);
      config.putArray("rule_files").add("rules/*.yml");
      int jobs = 0;
      for (JsonNode job : config.path("scrape_configs")) {
        if (job.path("job_name").asText().equals("goodput")) {
          ArrayNode targets = ((ObjectNode) job.path("static_configs").get(0)).putArray("targets");
          targets.add(target.getHost() + ":" + target.getPort());
          jobs++;
        }
      }
      assertThat(jobs).as("scrape jobs named goodput in the shipped prometheus.yml").isEqualTo(1);
      Path configFile = home.resolve("prometheus.yml");
      YAML.writeValue(configFile.toFile(), config);

      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path log = home.resolve("prometheus.log");
      Process process =
          new ProcessBuilder(
                  binary.toString(),
                  "--config.file=" + configFile,
                  "--storage.tsdb.path=" + home.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port,
                  "--log.level=warn")
              .directory(home.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Prometheus prometheus = new Prometheus(process, URI.create("http://127.0.0.1:" + port), log);
      try {
        prometheus.awaitReady();
      } catch (Throwable t) {
        prometheus.close();
        System.err.println("prometheus log (tail):\n" + prometheus.logTail());
        throw t;
      }
      return prometheus;
    }

    private void awaitReady() throws Exception {
      long deadline = System.currentTimeMillis() + AWAIT_DEADLINE_MS;
      while (true) {
        assertThat(process.isAlive()).as("prometheus running").isTrue();
        try {
          if (PipelineIT.get(base.resolve("/-/ready")).statusCode() == 200) {
            return;
          }
        } catch (IOException notListeningYet) {
          // retried below
        }
        assertThat(System.currentTimeMillis()).as("prometheus ready").isLessThan(deadline);
        Thread.sleep(200);
      }
    }

    /** The {@code data} of a successful API answer. */
    JsonNode api(String pathAndQuery) throws Exception {
      HttpResponse<String> r = PipelineIT.get(base.resolve(pathAndQuery));
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.path("status").asText())
          .as(pathAndQuery + ": " + r.body())
          .isEqualTo("success");
      return body.path("data");
    }

    /** The result vector of an instant query now. */
    JsonNode query(String promql) throws Exception {
      return api("/api/v1/query?query=" + URLEncoder.encode(promql, UTF_8)).path("result");
    }

    /** An instant vector as decimals, keyed by {@code key} of each series' labels. */
    Map<String, BigDecimal> values(String promql, Function<JsonNode, String> key) throws Exception {
      Map<String, BigDecimal> out = new TreeMap<>();
      for (JsonNode series : query(promql)) {
        BigDecimal previous =
            out.put(
                key.apply(series.path("metric")),
                new BigDecimal(series.path("value").get(1).asText()));
        assertThat(previous).as("one series per key in " + promql).isNull();
      }
      return out;
    }

    /** The value of a query with one series, or negative infinity when it has none. */
    double scalar(String promql) throws Exception {
      JsonNode result = query(promql);
      return result.isEmpty()
          ? Double.NEGATIVE_INFINITY
          : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    String logTail() {
      try {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
