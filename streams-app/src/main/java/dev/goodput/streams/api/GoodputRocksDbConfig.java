package dev.goodput.streams.api;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * Goodput's RocksDB settings, Kafka Streams' {@code rocksdb.config.setter} unless one is
 * configured.
 *
 * <p>The dedup store is asked for every event's id, and a new id (nearly all of them) is a miss. A
 * miss searched the memtables' skip lists (up to three of 16 MiB each) before the files' bloom
 * filters: {@code InlineSkipList::FindGreaterOrEqual} was 7.5% of the stream threads' CPU in a
 * 4,000,000-event run. A whole-key bloom filter over each memtable (10% of its size) answers most
 * of those misses without the search.
 *
 * <p>Kafka Streams also sets {@code optimize_filters_for_hits} on every store: no bloom filter in
 * the files of the last level, which saves memory where lookups mostly find their key. The dedup
 * store's mostly do not, so once compaction had moved its ids to the last level every new id's
 * lookup binary-searched an index block and a data block of each file it might be in ({@code
 * BlockBasedTable::Get} 11.6% of the stream threads under live traffic, after a few million ids).
 * Its segments keep their filters on every level: about 10 bits per id, loaded with the files.
 * Every other store keeps Kafka Streams' settings.
 */
public final class GoodputRocksDbConfig implements RocksDBConfigSetter {

  /** The share of a memtable's size given to its bloom filter. */
  static final double MEMTABLE_BLOOM_RATIO = 0.1;

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    if (isDedupSegment(storeName)) {
      options.setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO);
      options.setMemtableWholeKeyFiltering(true);
      options.setOptimizeFiltersForHits(false);
    }
  }

  @Override
  public void close(String storeName, Options options) {
    // Nothing of its own to close: the settings are plain values.
  }

  /** A segment of the dedup window store is named after the store, a dot and its start. */
  static boolean isDedupSegment(String storeName) {
    return storeName.equals(StoreNames.DEDUP_BUCKETS)
        || storeName.startsWith(StoreNames.DEDUP_BUCKETS + ".");
  }
}
