package dev.goodput.streams.internal;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.accounting.api.InvalidCatalogException;
import dev.goodput.accounting.api.PriceEntry;
import dev.goodput.accounting.api.SloPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog as last read from the global catalog store. {@link #refresh} re-reads the store and
 * rebuilds the lookup only when an entry changed.
 */
public final class CatalogView {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogView.class);

  private final ReadOnlyKeyValueStore<String, byte[]> store;
  private Map<String, byte[]> seen = Map.of();
  private Catalog catalog = Catalog.EMPTY;

  public CatalogView(ReadOnlyKeyValueStore<String, byte[]> store) {
    this.store = store;
    refresh();
  }

  public Catalog catalog() {
    return catalog;
  }

  private static boolean sameEntries(Map<String, byte[]> a, Map<String, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : a.entrySet()) {
      if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  public void refresh() {
    Map<String, byte[]> entries = new HashMap<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        entries.put(kv.key, kv.value);
      }
    }
    if (sameEntries(entries, seen)) {
      return;
    }
    List<PriceEntry> prices = new ArrayList<>();
    List<SloPolicy> policies = new ArrayList<>();
    entries.forEach(
        (identity, json) -> {
          try {
            if (identity.startsWith("price|")) {
              prices.add(CatalogJson.priceFromJson(json, identity));
            } else if (identity.startsWith("slo|")) {
              policies.add(CatalogJson.policyFromJson(json, identity));
            } else {
              LOG.error("catalog entry {} has an unknown kind; ignored", identity);
            }
          } catch (InvalidCatalogException e) {
            LOG.error("catalog entry ignored: {}", e.getMessage());
          }
        });
    catalog = new Catalog(prices, policies);
    seen = entries;
    LOG.info("catalog loaded: {}", catalog);
  }
}
