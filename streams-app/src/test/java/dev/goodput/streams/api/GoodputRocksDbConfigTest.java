package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

class GoodputRocksDbConfigTest {

  private final GoodputRocksDbConfig setter = new GoodputRocksDbConfig();

  @Test
  void dedupSegmentsGetAWholeKeyBloomFilterOverTheirMemtablesAndFiltersOnEveryLevel() {
    try (Options options = new Options()) {
      // As Kafka Streams sets it before calling the setter
      options.setOptimizeFiltersForHits(true);
      setter.setConfig(StoreNames.DEDUP_BUCKETS + ".1764892800000", options, Map.of());
      assertThat(options.memtableWholeKeyFiltering()).isTrue();
      assertThat(options.memtablePrefixBloomSizeRatio()).isEqualTo(0.1);
      assertThat(options.optimizeFiltersForHits()).isFalse();
    }
  }

  @Test
  void otherStoresKeepRocksDbDefaults() {
    for (String name :
        new String[] {
          StoreNames.DEDUP_LEGACY + ".1764892800000", StoreNames.USAGE_TOTALS, "dedup-bucketsx"
        }) {
      try (Options options = new Options()) {
        options.setOptimizeFiltersForHits(true);
        setter.setConfig(name, options, Map.of());
        assertThat(options.memtableWholeKeyFiltering()).as(name).isFalse();
        assertThat(options.memtablePrefixBloomSizeRatio()).as(name).isZero();
        assertThat(options.optimizeFiltersForHits()).as(name).isTrue();
      }
    }
  }
}
