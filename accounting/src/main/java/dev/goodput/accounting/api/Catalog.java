package dev.goodput.accounting.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The price catalog and the SLO policy catalog, immutable, with the contract's lookup: among the
 * entries that match an event and are in effect at its {@code timestamp_ms}, the most specific wins
 * (tenant beats model beats slo_class; an exact model beats {@code *}), and among equally specific
 * ones the latest {@code effective_from}. Entries are never deleted: re-processing an event gives
 * the answer it got the first time.
 */
public final class Catalog {

  /** No prices, no policies: every event is unpriced and judged by {@link SloPolicy#DEFAULT}. */
  public static final Catalog EMPTY = new Catalog(List.of(), List.of());

  private final List<PriceEntry> prices;
  private final List<SloPolicy> policies;
  private final Map<Key, List<PriceEntry>> priceIndex = new HashMap<>();
  private final Map<Key, List<SloPolicy>> policyIndex = new HashMap<>();

  public Catalog(List<PriceEntry> prices, List<SloPolicy> policies) {
    this.prices = List.copyOf(prices);
    this.policies = List.copyOf(policies);
    for (PriceEntry p : this.prices) {
      priceIndex.computeIfAbsent(key(p.tenant(), p.model(), null), k -> new ArrayList<>()).add(p);
    }
    for (SloPolicy p : this.policies) {
      policyIndex
          .computeIfAbsent(key(p.tenant(), p.model(), p.sloClass()), k -> new ArrayList<>())
          .add(p);
    }
    priceIndex
        .values()
        .forEach(l -> l.sort(Comparator.comparing(PriceEntry::effectiveFrom).reversed()));
    policyIndex
        .values()
        .forEach(l -> l.sort(Comparator.comparing(SloPolicy::effectiveFrom).reversed()));
  }

  public List<PriceEntry> prices() {
    return prices;
  }

  public List<SloPolicy> policies() {
    return policies;
  }

  /** The price of a request of {@code tenant} on {@code model} finished at {@code timestampMs}. */
  public Optional<PriceEntry> price(String tenant, String model, long timestampMs) {
    // Most specific first: tenant and model, tenant and any model, model, any model.
    for (int rank = 3; rank >= 0; rank--) {
      List<PriceEntry> list =
          priceIndex.get(key((rank & 2) != 0 ? tenant : null, (rank & 1) != 0 ? model : "*", null));
      if (list != null) {
        for (PriceEntry p : list) {
          if (p.effectiveFrom().toEpochMilli() <= timestampMs) {
            return Optional.of(p);
          }
        }
      }
    }
    return Optional.empty();
  }

  /** The SLO policy of a request; {@link SloPolicy#DEFAULT} when none matches. */
  public SloPolicy policy(String tenant, String model, String sloClass, long timestampMs) {
    for (int rank = 7; rank >= 0; rank--) {
      if ((rank & 1) != 0 && sloClass == null) {
        continue;
      }
      List<SloPolicy> list =
          policyIndex.get(
              key(
                  (rank & 4) != 0 ? tenant : null,
                  (rank & 2) != 0 ? model : "*",
                  (rank & 1) != 0 ? sloClass : null));
      if (list != null) {
        for (SloPolicy p : list) {
          if (p.effectiveFrom().toEpochMilli() <= timestampMs) {
            return p;
          }
        }
      }
    }
    return SloPolicy.DEFAULT;
  }

  private static Key key(String tenant, String model, String sloClass) {
    return new Key(tenant, model, sloClass);
  }

  /** An index key; {@code null} tenant or slo_class means "any". */
  private record Key(String tenant, String model, String sloClass) {}

  @Override
  public boolean equals(Object o) {
    return o instanceof Catalog c && prices.equals(c.prices) && policies.equals(c.policies);
  }

  @Override
  public int hashCode() {
    return prices.hashCode() * 31 + policies.hashCode();
  }

  @Override
  public String toString() {
    return "Catalog[" + prices.size() + " prices, " + policies.size() + " SLO policies]";
  }
}
