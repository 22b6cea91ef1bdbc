package dev.goodput.accounting.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The catalog's lookups (which keep what they found per tenant, model and slo_class) answer what a
 * straightforward reading of the contract's rule answers, the first time and every time after:
 * among the entries matching the request and in effect at its timestamp, tenant beats model beats
 * slo_class, an exact model beats {@code *}, and among equals the latest {@code effective_from}.
 */
class CatalogLookupPropertiesTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  record Query(String tenant, String model, String sloClass, long timestampMs) {}

  @Property(tries = 300)
  void lookupsFollowTheSpecificityRuleAndRepeatTheirAnswers(
      @ForAll("prices") List<PriceEntry> prices,
      @ForAll("policies") List<SloPolicy> policies,
      @ForAll("queries") List<Query> queries) {
    Catalog catalog = new Catalog(prices, policies);
    for (int pass = 0; pass < 2; pass++) {
      for (Query q : queries) {
        assertThat(catalog.price(q.tenant(), q.model(), q.timestampMs()))
            .as("price of %s, pass %d", q, pass)
            .isEqualTo(expectedPrice(prices, q));
        assertThat(catalog.policy(q.tenant(), q.model(), q.sloClass(), q.timestampMs()))
            .as("policy of %s, pass %d", q, pass)
            .isEqualTo(expectedPolicy(policies, q));
      }
    }
  }

  private static Optional<PriceEntry> expectedPrice(List<PriceEntry> prices, Query q) {
    return prices.stream()
        .filter(p -> p.tenant() == null || p.tenant().equals(q.tenant()))
        .filter(p -> p.model().equals("*") || p.model().equals(q.model()))
        .filter(p -> p.effectiveFrom().toEpochMilli() <= q.timestampMs())
        .max(
            Comparator.comparing((PriceEntry p) -> p.tenant() != null)
                .thenComparing(p -> !p.model().equals("*"))
                .thenComparing(PriceEntry::effectiveFrom));
  }

  private static SloPolicy expectedPolicy(List<SloPolicy> policies, Query q) {
    return policies.stream()
        .filter(p -> p.tenant() == null || p.tenant().equals(q.tenant()))
        .filter(p -> p.model().equals("*") || p.model().equals(q.model()))
        .filter(p -> p.sloClass() == null || p.sloClass().equals(q.sloClass()))
        .filter(p -> p.effectiveFrom().toEpochMilli() <= q.timestampMs())
        .max(
            Comparator.comparing((SloPolicy p) -> p.tenant() != null)
                .thenComparing(p -> !p.model().equals("*"))
                .thenComparing(p -> p.sloClass() != null)
                .thenComparing(SloPolicy::effectiveFrom))
        .orElse(SloPolicy.DEFAULT);
  }

  private static Arbitrary<String> tenants() {
    return Arbitraries.of("acme", "globex").injectNull(0.4);
  }

  private static Arbitrary<String> models() {
    return Arbitraries.of("*", "llama", "qwen");
  }

  private static Arbitrary<Instant> froms() {
    return Arbitraries.integers().between(0, 5).map(m -> T0.plusSeconds(60L * m));
  }

  /** Distinct by identity and effective_from, as the catalog keeps them. */
  @Provide
  Arbitrary<List<PriceEntry>> prices() {
    Arbitrary<PriceEntry> one =
        Combinators.combine(models(), tenants(), froms(), Arbitraries.integers().between(1, 99))
            .as(
                (model, tenant, from, cents) ->
                    new PriceEntry(
                        model,
                        tenant,
                        from,
                        BigDecimal.valueOf(cents, 2),
                        null,
                        BigDecimal.ONE,
                        null,
                        null));
    return one.list()
        .ofMaxSize(12)
        .map(l -> distinct(l, p -> p.tenant() + "|" + p.model() + "|" + p.effectiveFrom()));
  }

  @Provide
  Arbitrary<List<SloPolicy>> policies() {
    Arbitrary<SloPolicy> one =
        Combinators.combine(
                models(),
                Arbitraries.of("interactive", "batch").injectNull(0.5),
                tenants(),
                froms(),
                Arbitraries.integers().between(100, 999))
            .as(
                (model, sloClass, tenant, from, ttft) ->
                    new SloPolicy(model, sloClass, tenant, from, ttft, 50, null, 0.99));
    return one.list()
        .ofMaxSize(16)
        .map(
            l ->
                distinct(
                    l,
                    p ->
                        p.tenant()
                            + "|"
                            + p.model()
                            + "|"
                            + p.sloClass()
                            + "|"
                            + p.effectiveFrom()));
  }

  @Provide
  Arbitrary<List<Query>> queries() {
    return Combinators.combine(
            Arbitraries.of("acme", "globex", "initech"),
            Arbitraries.of("llama", "qwen", "mistral"),
            Arbitraries.of("interactive", "batch", "other").injectNull(0.3),
            Arbitraries.integers().between(-1, 6))
        .as((t, m, c, minute) -> new Query(t, m, c, T0.plusSeconds(60L * minute).toEpochMilli()))
        .list()
        .ofMinSize(1)
        .ofMaxSize(20);
  }

  private static <T> List<T> distinct(List<T> entries, java.util.function.Function<T, String> id) {
    Map<String, T> byId = new LinkedHashMap<>();
    entries.forEach(e -> byId.putIfAbsent(Objects.requireNonNull(id.apply(e)), e));
    return List.copyOf(byId.values());
  }
}
