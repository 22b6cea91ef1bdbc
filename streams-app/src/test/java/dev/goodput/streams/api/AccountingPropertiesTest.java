package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.PriceEntry;
import dev.goodput.accounting.api.SloPolicy;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * The topology's numbers equal a straightforward recomputation of the same stream, exactly, for
 * random streams with duplicates (same and changed content), shuffled and late events, expired
 * events, and price and policy changes. The recomputation below shares no code with the pipeline's
 * accounting: it looks entries up by brute force and prices with its own arithmetic.
 */
class AccountingPropertiesTest {

  private static final List<String> TENANTS = List.of("acme", "globex", "initech");
  private static final List<String> MODELS = List.of("llama", "deepseek", "mistral");
  private static final List<String> CLASSES = List.of("interactive", "batch");
  private static final Instant START = TopologyFixture.WALL_CLOCK.minus(Duration.ofHours(30));
  private static final long RETENTION_MS = Duration.ofDays(35).toMillis();

  @Property(tries = 25)
  void shouldEqualAnIndependentRecomputation(@ForAll @LongRange(min = 1) long seed)
      throws Exception {
    System.out.println("AccountingPropertiesTest seed=" + seed);
    Random random = new Random(seed);
    Catalog catalog = randomCatalog(random);
    List<InferenceEvent> stream = randomStream(random);

    try (TopologyFixture fx = TopologyFixture.inTemporaryDirectory(Map.of())) {
      // Given the catalog, then the stream in its (shuffled) order
      fx.apply(catalog);
      long wallClockMs = TopologyFixture.WALL_CLOCK.plusSeconds(1).toEpochMilli();
      stream.forEach(fx::pipe);

      // Then every hourly row, every total and every outcome count equals the recomputation
      Map<UsageKey, UsageCounters> expected = recompute(stream, catalog, wallClockMs);
      Map<UsageKey, UsageCounters> actual = new TreeMap<>(KEY_ORDER);
      for (String tenant : TENANTS) {
        for (HourlyUsage h : fx.queries.hourly(tenant, 0, Long.MAX_VALUE)) {
          actual.put(h.key(), h.counters());
        }
      }
      assertThat(actual).as("seed %d", seed).isEqualTo(expected);

      // And every row's TTFT p50 and p99 lie between the order statistics around the exact
      // percentile, each widened by 1% (contract section 3)
      Map<UsageKey, List<Double>> ttfts = new HashMap<>();
      for (InferenceEvent e : accepted(stream, wallClockMs)) {
        if (e.status() == Status.OK) {
          ttfts.computeIfAbsent(hourKey(e), k -> new ArrayList<>()).add(e.ttftMs());
        }
      }
      for (String tenant : TENANTS) {
        for (HourlyUsage h : fx.queries.hourly(tenant, 0, Long.MAX_VALUE)) {
          List<Double> samples = ttfts.getOrDefault(h.key(), List.of());
          Percentiles p = h.sketches().ttft();
          assertWithinContractTolerance(samples, 0.50, p.p50(), seed);
          assertWithinContractTolerance(samples, 0.99, p.p99(), seed);
        }
      }

      Map<SeriesKey, UsageCounters> expectedTotals = new HashMap<>();
      expected.forEach(
          (k, c) ->
              expectedTotals.merge(new SeriesKey(k.tenant(), k.model()), c, UsageCounters::plus));
      Map<SeriesKey, UsageCounters> actualTotals = new HashMap<>();
      fx.queries.totals().forEach((k, t) -> actualTotals.put(k, t.counters()));
      assertThat(actualTotals).as("seed %d", seed).isEqualTo(expectedTotals);

      long accepted = expected.values().stream().mapToLong(UsageCounters::requests).sum();
      long expired =
          stream.stream().filter(e -> e.timestampMs() < wallClockMs - RETENTION_MS).count();
      assertThat(fx.queries.outcomes())
          .as("seed %d", seed)
          .isEqualTo(
              Map.of(
                  Outcome.ACCEPTED,
                  accepted,
                  Outcome.DUPLICATE,
                  stream.size() - expired - accepted,
                  Outcome.REJECTED,
                  0L,
                  Outcome.EXPIRED,
                  expired));
    }
  }

  private static void assertWithinContractTolerance(
      List<Double> samples, double q, double value, long seed) {
    if (samples.isEmpty()) {
      assertThat(value).isZero();
      return;
    }
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    double position = q * (sorted.size() - 1);
    double lo = sorted.get((int) Math.floor(position));
    double hi = sorted.get((int) Math.ceil(position));
    assertThat(value).as("seed %d: p%s of %s", seed, q, sorted).isBetween(lo * 0.99, hi * 1.01);
  }

  private static final Comparator<UsageKey> KEY_ORDER =
      Comparator.comparing(UsageKey::tenant)
          .thenComparingLong(UsageKey::hourStartMs)
          .thenComparing(UsageKey::model);

  /** The events the contract accepts: inside retention, first of their tenant and event_id. */
  private static List<InferenceEvent> accepted(List<InferenceEvent> stream, long wallClockMs) {
    List<InferenceEvent> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (InferenceEvent e : stream) {
      if (e.timestampMs() >= wallClockMs - RETENTION_MS
          && seen.add(e.tenant() + "\u0000" + e.eventId())) {
        out.add(e);
      }
    }
    return out;
  }

  private static UsageKey hourKey(InferenceEvent e) {
    long hour = e.timestampMs() - Math.floorMod(e.timestampMs(), 3_600_000L);
    return new UsageKey(e.tenant(), hour, e.model());
  }

  /** The contract's semantics, written out plainly. */
  private static Map<UsageKey, UsageCounters> recompute(
      List<InferenceEvent> stream, Catalog catalog, long wallClockMs) {
    Map<UsageKey, UsageCounters> out = new TreeMap<>(KEY_ORDER);
    for (InferenceEvent e : accepted(stream, wallClockMs)) {
      PriceEntry price = bruteForcePrice(catalog, e);
      BigDecimal cost = null;
      if (price != null) {
        BigDecimal uncached = BigDecimal.valueOf(e.inputTokens() - e.cachedInputTokens());
        BigDecimal cached = BigDecimal.valueOf(e.cachedInputTokens());
        BigDecimal plain = BigDecimal.valueOf(e.outputTokens() - e.reasoningTokens());
        BigDecimal reasoning = BigDecimal.valueOf(e.reasoningTokens());
        cost =
            uncached
                .multiply(price.input())
                .add(cached.multiply(price.cachedInput()))
                .add(plain.multiply(price.output()))
                .add(reasoning.multiply(price.reasoning()))
                .divide(BigDecimal.valueOf(1_000_000))
                .add(price.request());
      }
      SloPolicy p = bruteForcePolicy(catalog, e);
      boolean ok = e.status() == Status.OK;
      double tpot =
          e.outputTokens() >= 2 && ok ? (e.e2eMs() - e.ttftMs()) / (e.outputTokens() - 1) : 0;
      boolean ttftBad = ok && e.ttftMs() != null && e.ttftMs() > p.ttftMs();
      boolean tpotBad = ok && tpot > p.tpotMs();
      boolean e2eBad = ok && p.e2eMs() != null && e.e2eMs() > p.e2eMs();
      boolean good = ok && !ttftBad && !tpotBad && !e2eBad;
      UsageCounters one =
          new UsageCounters(
              1,
              ok ? 1 : 0,
              e.status() == Status.ERROR ? 1 : 0,
              e.status() == Status.CANCELLED ? 1 : 0,
              e.inputTokens(),
              e.cachedInputTokens(),
              e.outputTokens(),
              e.reasoningTokens(),
              cost == null ? BigDecimal.ZERO : cost,
              cost == null ? 1 : 0,
              good ? 1 : 0,
              good ? e.outputTokens() : 0,
              ttftBad ? 1 : 0,
              tpotBad ? 1 : 0,
              e2eBad ? 1 : 0);
      out.merge(hourKey(e), one, UsageCounters::plus);
    }
    return out;
  }

  private static PriceEntry bruteForcePrice(Catalog c, InferenceEvent e) {
    PriceEntry best = null;
    int bestRank = -1;
    for (PriceEntry p : c.prices()) {
      boolean matches =
          (p.tenant() == null || p.tenant().equals(e.tenant()))
              && (p.model().equals("*") || p.model().equals(e.model()))
              && p.effectiveFrom().toEpochMilli() <= e.timestampMs();
      if (!matches) {
        continue;
      }
      int rank = (p.tenant() != null ? 2 : 0) + (p.model().equals("*") ? 0 : 1);
      if (rank > bestRank
          || (rank == bestRank && p.effectiveFrom().isAfter(best.effectiveFrom()))) {
        best = p;
        bestRank = rank;
      }
    }
    return best;
  }

  private static SloPolicy bruteForcePolicy(Catalog c, InferenceEvent e) {
    SloPolicy best = null;
    int bestRank = -1;
    for (SloPolicy p : c.policies()) {
      boolean matches =
          (p.tenant() == null || p.tenant().equals(e.tenant()))
              && (p.model().equals("*") || p.model().equals(e.model()))
              && (p.sloClass() == null || p.sloClass().equals(e.sloClass()))
              && p.effectiveFrom().toEpochMilli() <= e.timestampMs();
      if (!matches) {
        continue;
      }
      int rank =
          (p.tenant() != null ? 4 : 0)
              + (p.model().equals("*") ? 0 : 2)
              + (p.sloClass() != null ? 1 : 0);
      if (rank > bestRank
          || (rank == bestRank && p.effectiveFrom().isAfter(best.effectiveFrom()))) {
        best = p;
        bestRank = rank;
      }
    }
    return best == null ? SloPolicy.DEFAULT : best;
  }

  private static Catalog randomCatalog(Random r) {
    List<PriceEntry> prices = new ArrayList<>();
    Set<String> identities = new HashSet<>();
    for (int i = 0; i < 8; i++) {
      String model = r.nextInt(4) == 0 ? "*" : MODELS.get(r.nextInt(MODELS.size()));
      String tenant = r.nextInt(3) == 0 ? TENANTS.get(r.nextInt(TENANTS.size())) : null;
      Instant from = START.plus(Duration.ofMinutes(r.nextInt(30 * 60)));
      PriceEntry p =
          new PriceEntry(
              model,
              tenant,
              from,
              decimal(r),
              r.nextBoolean() ? decimal(r) : null,
              decimal(r),
              r.nextBoolean() ? decimal(r) : null,
              r.nextInt(4) == 0 ? new BigDecimal("0.0001") : null);
      if (identities.add(p.identity())) {
        prices.add(p);
      }
    }
    List<SloPolicy> policies = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      SloPolicy p =
          new SloPolicy(
              r.nextInt(3) == 0 ? "*" : MODELS.get(r.nextInt(MODELS.size())),
              r.nextBoolean() ? CLASSES.get(r.nextInt(CLASSES.size())) : null,
              r.nextInt(3) == 0 ? TENANTS.get(r.nextInt(TENANTS.size())) : null,
              START.plus(Duration.ofMinutes(r.nextInt(30 * 60))),
              100 + r.nextInt(900),
              10 + r.nextInt(60),
              r.nextBoolean() ? (double) (2000 + r.nextInt(20000)) : null,
              0.99);
      if (identities.add(p.identity())) {
        policies.add(p);
      }
    }
    return new Catalog(prices, policies);
  }

  /** A price with up to 9 decimals, as list prices have. */
  private static BigDecimal decimal(Random r) {
    return BigDecimal.valueOf(r.nextInt(5_000_000_00), 9);
  }

  private static List<InferenceEvent> randomStream(Random r) {
    List<InferenceEvent> events = new ArrayList<>();
    int n = 150 + r.nextInt(150);
    for (int i = 0; i < n; i++) {
      // Mostly within the last 30 hours, some up to 40 days back (late, or expired)
      Instant at =
          r.nextInt(10) == 0
              ? TopologyFixture.WALL_CLOCK.minus(Duration.ofHours(24 * 30 + r.nextInt(24 * 10)))
              : START.plusSeconds(r.nextInt(30 * 3600));
      events.add(randomEvent(r, "ev-" + i, at));
    }
    List<InferenceEvent> withDuplicates = new ArrayList<>(events);
    for (int i = 0; i < n / 5; i++) {
      InferenceEvent original = events.get(r.nextInt(events.size()));
      // A retry: either the same content, or the same id with other numbers
      withDuplicates.add(
          r.nextBoolean()
              ? original
              : randomEvent(
                  r, original.eventId(), Instant.ofEpochMilli(original.timestampMs()), original));
    }
    Collections.shuffle(withDuplicates, r);
    return withDuplicates;
  }

  private static InferenceEvent randomEvent(Random r, String id, Instant at) {
    return randomEvent(r, id, at, null);
  }

  private static InferenceEvent randomEvent(
      Random r, String id, Instant at, InferenceEvent sameAs) {
    Status status =
        r.nextInt(10) < 8 ? Status.OK : (r.nextBoolean() ? Status.ERROR : Status.CANCELLED);
    long input = r.nextInt(8000);
    long cached = r.nextInt((int) input + 1);
    long output = status == Status.OK ? r.nextInt(1200) : r.nextInt(30);
    long reasoning = r.nextInt((int) output + 1) / 2;
    Double ttft = status == Status.OK ? (double) r.nextInt(1500) + r.nextInt(1000) / 1000.0 : null;
    Double e2e = status == Status.OK ? ttft + output * (5 + r.nextInt(80)) + r.nextInt(7) : null;
    String sloClass = r.nextInt(3) == 0 ? null : CLASSES.get(r.nextInt(CLASSES.size()));
    InferenceEvent e =
        new InferenceEvent(
            id,
            sameAs != null ? sameAs.tenant() : TENANTS.get(r.nextInt(TENANTS.size())),
            MODELS.get(r.nextInt(MODELS.size())),
            at.toEpochMilli(),
            status,
            input,
            cached,
            output,
            reasoning,
            ttft,
            e2e,
            null,
            sloClass,
            null,
            null,
            null,
            null,
            Map.of());
    return e;
  }
}
