package dev.goodput.accounting.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntFunction;

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

  /**
   * The entries a lookup walks, found once per tenant and model (and slo_class for policies) and
   * kept: finding them is up to four (prices) or eight (policies) hash lookups, most of them
   * misses, which every event would otherwise repeat. At most {@link #MAX_CHAINS} of each are kept;
   * past that, lookups find them again each time.
   */
  private final Map<Key, Chain<PriceEntry>> priceChains = new ConcurrentHashMap<>();

  private final Map<Key, Chain<SloPolicy>> policyChains = new ConcurrentHashMap<>();

  /**
   * The entries that may apply to the lookups of one tenant and model (and slo_class for policies),
   * most specific first and within each specificity the latest {@code effective_from} first, as
   * arrays: the first entry in effect at a time is the answer. Their starts are kept as epoch
   * milliseconds, so a lookup is a loop over two arrays. A caller that looks up the same tenant and
   * model at every event may keep it for as long as it keeps this catalog.
   */
  public static final class Chain<E> {
    private final long[] fromMs;
    private final E[] entries;

    private Chain(long[] fromMs, E[] entries) {
      this.fromMs = fromMs;
      this.entries = entries;
    }

    /** The first entry in effect at {@code timestampMs}, or null. */
    public E at(long timestampMs) {
      long[] from = fromMs;
      for (int i = 0; i < from.length; i++) {
        if (from[i] <= timestampMs) {
          return entries[i];
        }
      }
      return null;
    }
  }

  static final int MAX_CHAINS = 100_000;

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
    return Optional.ofNullable(priceChain(tenant, model).at(timestampMs));
  }

  /** The prices a request of {@code tenant} on {@code model} may have, by time. */
  public Chain<PriceEntry> priceChain(String tenant, String model) {
    Key k = key(tenant, model, null);
    Chain<PriceEntry> chain = priceChains.get(k);
    if (chain != null) {
      return chain;
    }
    List<PriceEntry> found = new ArrayList<>();
    // Most specific first: tenant and model, tenant and any model, model, any model.
    for (int rank = 3; rank >= 0; rank--) {
      List<PriceEntry> list =
          priceIndex.get(key((rank & 2) != 0 ? tenant : null, (rank & 1) != 0 ? model : "*", null));
      if (list != null) {
        found.addAll(list);
      }
    }
    return remember(priceChains, k, found, PriceEntry::effectiveFrom, PriceEntry[]::new);
  }

  /** The SLO policy of a request; {@link SloPolicy#DEFAULT} when none matches. */
  public SloPolicy policy(String tenant, String model, String sloClass, long timestampMs) {
    SloPolicy p = policyChain(tenant, model, sloClass).at(timestampMs);
    return p != null ? p : SloPolicy.DEFAULT;
  }

  /**
   * The SLO policies a request of {@code tenant} on {@code model} with {@code sloClass} (may be
   * null) may have, by time; none in effect means {@link SloPolicy#DEFAULT}.
   */
  public Chain<SloPolicy> policyChain(String tenant, String model, String sloClass) {
    Key k = key(tenant, model, sloClass);
    Chain<SloPolicy> chain = policyChains.get(k);
    if (chain != null) {
      return chain;
    }
    List<SloPolicy> found = new ArrayList<>();
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
        found.addAll(list);
      }
    }
    return remember(policyChains, k, found, SloPolicy::effectiveFrom, SloPolicy[]::new);
  }

  private static <E> Chain<E> remember(
      Map<Key, Chain<E>> chains,
      Key key,
      List<E> found,
      Function<E, Instant> effectiveFrom,
      IntFunction<E[]> newArray) {
    long[] fromMs = found.stream().mapToLong(e -> effectiveFrom.apply(e).toEpochMilli()).toArray();
    Chain<E> chain = new Chain<>(fromMs, found.toArray(newArray.apply(0)));
    if (chains.size() < MAX_CHAINS) {
      chains.putIfAbsent(key, chain);
    }
    return chain;
  }

  private static Key key(String tenant, String model, String sloClass) {
    return new Key(tenant, model, sloClass);
  }

  /**
   * An index key; {@code null} tenant or slo_class means "any". Methods written out: a record's
   * generated ones go through method handles, and these run for every event.
   */
  private record Key(String tenant, String model, String sloClass) {
    @Override
    public int hashCode() {
      return (Objects.hashCode(tenant) * 31 + model.hashCode()) * 31 + Objects.hashCode(sloClass);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && Objects.equals(tenant, k.tenant)
          && model.equals(k.model)
          && Objects.equals(sloClass, k.sloClass);
    }
  }

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
