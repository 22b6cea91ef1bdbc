package dev.goodput.streams.api;

import static dev.goodput.streams.api.TopologyFixture.WALL_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.PriceEntry;
import dev.goodput.accounting.api.SloPolicy;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dedup, expiry, lateness, pricing and SLO verdicts through the production topology. */
class AccountingTopologyTest {

  private static final Instant H10 = Instant.parse("2026-01-01T10:00:00Z");

  @TempDir Path stateDir;
  private TopologyFixture fx;

  @AfterEach
  void stop() {
    fx.close();
  }

  private static InferenceEvent ok(
      String id,
      String tenant,
      String model,
      Instant at,
      long in,
      long cached,
      long out,
      double ttft,
      double e2e,
      String sloClass) {
    return new InferenceEvent(
        id,
        tenant,
        model,
        at.toEpochMilli(),
        Status.OK,
        in,
        cached,
        out,
        0,
        ttft,
        e2e,
        null,
        sloClass,
        null,
        null,
        null,
        null,
        Map.of());
  }

  private UsageCounters total(String tenant, String model) {
    return fx.queries.totals().get(new SeriesKey(tenant, model)).counters();
  }

  private Map<Outcome, Long> outcomes(long accepted, long duplicate, long rejected, long expired) {
    return Map.of(
        Outcome.ACCEPTED,
        accepted,
        Outcome.DUPLICATE,
        duplicate,
        Outcome.REJECTED,
        rejected,
        Outcome.EXPIRED,
        expired);
  }

  @Test
  void shouldCountTheSameTenantAndEventIdAsDuplicateEvenWhenTheContentDiffers() {
    fx = new TopologyFixture(stateDir);
    // Given an event, its retry with other token counts, and the same id for another tenant
    fx.pipe(ok("r1", "acme", "m", H10, 100, 0, 10, 50, 500, null));
    fx.pipe(ok("r1", "acme", "m", H10.plusSeconds(1), 999, 0, 99, 50, 500, null));
    fx.pipe(ok("r1", "globex", "m", H10, 7, 0, 1, 50, 500, null));

    // Then the first one of acme counts, the retry does not, globex's is its own request
    assertThat(total("acme", "m").requests()).isEqualTo(1);
    assertThat(total("acme", "m").inputTokens()).isEqualTo(100);
    assertThat(total("globex", "m").inputTokens()).isEqualTo(7);
    assertThat(fx.queries.outcomes()).isEqualTo(outcomes(2, 1, 0, 0));
  }

  @Test
  void shouldForgetAnEventIdOnceTheDedupWindowHasPassed() {
    fx = new TopologyFixture(stateDir, Map.of(StreamsAppConfig.DEDUP_WINDOW_MS, "3600000"));
    fx.pipe(ok("r1", "acme", "m", H10, 100, 0, 10, 50, 500, null));
    fx.driver.advanceWallClockTime(Duration.ofMinutes(59));
    fx.pipe(ok("r1", "acme", "m", H10, 100, 0, 10, 50, 500, null));
    fx.driver.advanceWallClockTime(Duration.ofMinutes(2));
    fx.pipe(ok("r1", "acme", "m", H10, 100, 0, 10, 50, 500, null));

    assertThat(fx.queries.outcomes()).isEqualTo(outcomes(2, 1, 0, 0));
  }

  @Test
  void shouldExpireEventsOlderThanTheRetentionAndAcceptLateOnesIntoTheirOwnHour() {
    fx = new TopologyFixture(stateDir);
    Instant limit = WALL_CLOCK.minus(Duration.ofDays(35));
    InferenceEvent tooOld = ok("old", "acme", "m", limit.minusMillis(1), 1, 0, 1, 5, 5, null);
    InferenceEvent oldest = ok("edge", "acme", "m", limit, 2, 0, 1, 5, 5, null);
    InferenceEvent recent = ok("new", "acme", "m", H10, 4, 0, 1, 5, 5, null);
    fx.pipe(recent);
    fx.pipe(tooOld);
    fx.pipe(oldest);

    assertThat(fx.expired.readRecordsToList())
        .extracting(r -> new String(r.value()))
        .containsExactly(new String(EventWriter.toJson(tooOld)));
    assertThat(fx.queries.hourly("acme", 0, Long.MAX_VALUE))
        .extracting(h -> h.key().hourStartMs(), h -> h.counters().inputTokens())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(oldest.hourStartMs(), 2L),
            org.assertj.core.groups.Tuple.tuple(recent.hourStartMs(), 4L));
    assertThat(fx.queries.outcomes()).isEqualTo(outcomes(2, 0, 0, 1));
  }

  @Test
  void shouldPriceEachEventWithTheEntryInEffectAtItsTimestamp() {
    fx = new TopologyFixture(stateDir);
    Instant change = H10.plusSeconds(1800);
    fx.apply(
        new Catalog(
            List.of(
                new PriceEntry(
                    "m",
                    null,
                    H10,
                    new BigDecimal("0.60"),
                    new BigDecimal("0.15"),
                    new BigDecimal("0.80"),
                    null,
                    null),
                new PriceEntry(
                    "m",
                    null,
                    change,
                    new BigDecimal("1.00"),
                    null,
                    new BigDecimal("2.00"),
                    null,
                    new BigDecimal("0.01")),
                new PriceEntry(
                    "*",
                    "acme",
                    H10,
                    new BigDecimal("0.50"),
                    null,
                    new BigDecimal("0.70"),
                    null,
                    null)),
            List.of()));

    // globex before and after the change; acme under its contract; a model with no price
    fx.pipe(ok("1", "globex", "m", change.minusMillis(1), 1000, 800, 100, 50, 500, null));
    fx.pipe(ok("2", "globex", "m", change, 1000, 800, 100, 50, 500, null));
    fx.pipe(ok("3", "acme", "m", change, 1000, 0, 100, 50, 500, null));
    fx.pipe(ok("4", "globex", "unpriced-model", change, 1000, 0, 100, 50, 500, null));

    // 320/1M; then (200 + 800) x 1.00 + 100 x 2.00 = 1200/1M + 0.01; acme 570/1M
    assertThat(total("globex", "m").cost()).isEqualByComparingTo("0.011520");
    assertThat(UsageColumns.costString(total("globex", "m").cost())).isEqualTo("0.011520");
    assertThat(total("globex", "m").unpricedRequests()).isZero();
    assertThat(UsageColumns.costString(total("acme", "m").cost())).isEqualTo("0.000570");
    assertThat(total("globex", "unpriced-model").unpricedRequests()).isEqualTo(1);
    assertThat(total("globex", "unpriced-model").cost()).isEqualByComparingTo("0");
  }

  @Test
  void shouldJudgeEachRequestByItsPolicyWithInclusiveThresholds() {
    fx = new TopologyFixture(stateDir);
    fx.apply(
        new Catalog(
            List.of(),
            List.of(new SloPolicy("*", "interactive", null, H10, 450, 40, 20000.0, 0.99))));

    fx.pipe(ok("at-target", "acme", "m", H10, 10, 0, 11, 450, 850, "interactive"));
    fx.pipe(ok("slow-first", "acme", "m", H10, 10, 0, 11, 451, 851, "interactive"));
    fx.pipe(ok("slow-tokens", "acme", "m", H10, 10, 0, 11, 100, 1000, "interactive"));
    fx.pipe(ok("too-long", "acme", "m", H10, 10, 0, 3, 100, 20001, "interactive"));
    fx.pipe(ok("default-policy", "acme", "m", H10, 10, 0, 11, 1900, 3000, null));
    fx.pipe(
        new InferenceEvent(
            "failed",
            "acme",
            "m",
            H10.toEpochMilli(),
            Status.ERROR,
            10,
            0,
            0,
            0,
            null,
            null,
            null,
            "interactive",
            null,
            null,
            null,
            null,
            Map.of()));
    fx.pipe(
        new InferenceEvent(
            "gave-up",
            "acme",
            "m",
            H10.toEpochMilli(),
            Status.CANCELLED,
            10,
            0,
            5,
            0,
            null,
            null,
            null,
            "interactive",
            null,
            null,
            null,
            null,
            Map.of()));

    UsageCounters c = total("acme", "m");
    assertThat(c.goodRequests()).isEqualTo(2);
    assertThat(c.goodOutputTokens()).isEqualTo(22);
    assertThat(c.ttftViolations()).isEqualTo(1);
    // slow-tokens: 900 / 10 = 90 ms per token; too-long: 19901 / 2 ms per token, and its e2e
    assertThat(c.tpotViolations()).isEqualTo(2);
    assertThat(c.e2eViolations()).isEqualTo(1);
    // 2 good of 5 ok + 1 error; the cancelled one is left out
    assertThat(c.sloAttainment()).isEqualTo(2.0 / 6);
  }

  /** A catalog change between two events of one series prices the second by the new catalog. */
  @Test
  void shouldPriceBySeriesTheCatalogInForceWhenTheEventIsProcessed() {
    fx = new TopologyFixture(stateDir);
    PriceEntry anyTenant =
        new PriceEntry(
            "m", null, H10, new BigDecimal("0.60"), null, new BigDecimal("0.80"), null, null);
    fx.apply(new Catalog(List.of(anyTenant), List.of()));
    fx.pipe(ok("1", "acme", "m", H10.plusSeconds(1), 1000, 0, 100, 50, 500, null));

    // acme's own price, in effect from the same time, is more specific than the one before
    PriceEntry acmes =
        new PriceEntry(
            "m", "acme", H10, new BigDecimal("0.50"), null, new BigDecimal("0.70"), null, null);
    fx.apply(new Catalog(List.of(anyTenant, acmes), List.of()));
    fx.pipe(ok("2", "acme", "m", H10.plusSeconds(2), 1000, 0, 100, 50, 500, null));

    // (600 + 80) / 1M, then (500 + 70) / 1M
    assertThat(total("acme", "m").cost()).isEqualByComparingTo("0.00125");
  }

  /**
   * More hourly rows than a task keeps decoded (1,024), their events shuffled: rows are written
   * back to make room and found again, and every row and total still counts each event once.
   */
  @Test
  void shouldCountEveryEventOnceWhenRowsOutnumberTheKeptOnes() {
    fx = new TopologyFixture(stateDir);
    int tenants = 60;
    int hours = 10;
    List<String> models = List.of("m1", "m2");
    List<InferenceEvent> events = new java.util.ArrayList<>();
    Map<UsageKey, Long> expectedInput = new java.util.HashMap<>();
    Map<SeriesKey, Long> expectedRequests = new java.util.HashMap<>();
    for (int t = 0; t < tenants; t++) {
      for (String model : models) {
        for (int h = 0; h < hours; h++) {
          for (int n = 0; n < 2; n++) {
            String tenant = "tenant-" + t;
            Instant at = H10.minus(Duration.ofHours(h)).plusSeconds(n);
            long input = 1 + t * 1000L + h * 10L + n;
            events.add(
                ok(
                    tenant + "/" + model + "/" + h + "/" + n,
                    tenant,
                    model,
                    at,
                    input,
                    0,
                    5,
                    50,
                    500,
                    null));
            expectedInput.merge(
                new UsageKey(tenant, H10.minus(Duration.ofHours(h)).toEpochMilli(), model),
                input,
                Long::sum);
            expectedRequests.merge(new SeriesKey(tenant, model), 1L, Long::sum);
          }
        }
      }
    }
    java.util.Collections.shuffle(events, new java.util.Random(7));
    events.forEach(fx::pipe);

    Map<UsageKey, Long> actualInput = new java.util.HashMap<>();
    for (int t = 0; t < tenants; t++) {
      for (HourlyUsage h : fx.queries.hourly("tenant-" + t, 0, Long.MAX_VALUE)) {
        actualInput.put(h.key(), h.counters().inputTokens());
      }
    }
    assertThat(expectedInput).hasSize(tenants * models.size() * hours);
    assertThat(actualInput).isEqualTo(expectedInput);
    Map<SeriesKey, Long> actualRequests = new java.util.HashMap<>();
    fx.queries.totals().forEach((k, v) -> actualRequests.put(k, v.counters().requests()));
    assertThat(actualRequests).isEqualTo(expectedRequests);
    assertThat(fx.queries.outcomes()).isEqualTo(outcomes(events.size(), 0, 0, 0));
  }
}
