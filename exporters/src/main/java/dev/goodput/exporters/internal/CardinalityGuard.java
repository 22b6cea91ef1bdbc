package dev.goodput.exporters.internal;

import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.SeriesTotals;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the number of exported tenants bounded. Tenants with a budget, then the costliest others,
 * get their own label, up to the limit; every other tenant's series are summed into {@code
 * tenant="__other__"} per model, so sums over tenants stay right. A tenant once given its own label
 * keeps it for the life of the process, so neither its series nor {@code __other__}'s ever go
 * backwards while it runs; after a restart the choice is made again by cost.
 */
final class CardinalityGuard {

  static final String OTHER = "__other__";

  /** The series to export and how many tenants were folded into {@link #OTHER}. */
  record Folded(Map<SeriesKey, SeriesTotals> series, int foldedTenants) {}

  private final int maxTenants;
  private final Set<String> always;
  private final Set<String> admitted = new HashSet<>();

  CardinalityGuard(int maxTenants, Set<String> always) {
    this.maxTenants = maxTenants;
    this.always = always;
  }

  synchronized Folded fold(Map<SeriesKey, SeriesTotals> all, long monthStartMs) {
    if (maxTenants == 0) {
      return new Folded(all, 0);
    }
    Map<String, BigDecimal> costByTenant = new HashMap<>();
    all.forEach((k, v) -> costByTenant.merge(k.tenant(), v.counters().cost(), BigDecimal::add));
    if (costByTenant.size() <= maxTenants) {
      return new Folded(all, 0);
    }
    for (String t : always) {
      if (costByTenant.containsKey(t)) {
        admitted.add(t);
      }
    }
    if (admitted.size() < maxTenants) {
      List<String> candidates =
          costByTenant.keySet().stream()
              .filter(t -> !admitted.contains(t))
              .sorted(
                  Comparator.comparing((String t) -> costByTenant.get(t))
                      .reversed()
                      .thenComparing(Comparator.naturalOrder()))
              .limit(maxTenants - admitted.size())
              .toList();
      admitted.addAll(candidates);
    }
    Map<SeriesKey, SeriesTotals> out = new LinkedHashMap<>();
    Set<String> folded = new HashSet<>();
    all.forEach(
        (k, v) -> {
          if (admitted.contains(k.tenant())) {
            out.put(k, v);
          } else {
            folded.add(k.tenant());
            out.merge(new SeriesKey(OTHER, k.model()), v, (a, b) -> a.merge(b, monthStartMs));
          }
        });
    return new Folded(out, folded.size());
  }
}
