package dev.goodput.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Whatever the order of writes, publishes, flushes and evictions, every query of a write-back store
 * (point, range, reverse, prefix, all) answers exactly what an independent model says queries may
 * see: each key's value as of its last publish, flush or eviction.
 */
class WriteBackStoreViewPropertiesTest {

  @Property(tries = 200)
  void queriesSeeEachKeyAsOfItsLastPublishFlushOrEviction(
      @ForAll @LongRange(min = 1) long seed, @ForAll @IntRange(min = 1, max = 12) int maxEntries) {
    Random random = new Random(seed);
    KeyValueStore<String, Long> inner =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("view"), Serdes.String(), Serdes.Long())
            .withLoggingDisabled()
            .withCachingDisabled()
            .build();
    WriteBackStore<String, Long> store =
        new WriteBackStore<>(inner, Serdes.String().serializer(), v -> v, maxEntries);
    store.init(new MockProcessorContext<Void, Void>().getStateStoreContext(), store);

    // The model: what the stream thread holds, what queries may see, and the LRU order of kept
    // keys.
    Map<String, Long> current = new TreeMap<>();
    NavigableMap<String, Long> visible = new TreeMap<>();
    List<String> lru = new ArrayList<>();
    List<String> changedSincePublish = new ArrayList<>();

    for (int step = 0; step < 300; step++) {
      int op = random.nextInt(20);
      if (op < 14) {
        String key = "k" + random.nextInt(20);
        long value = random.nextInt(1000);
        touch(key, lru, maxEntries, current, visible, changedSincePublish, store.read(key));
        store.write(key, value);
        current.put(key, value);
        if (!changedSincePublish.contains(key)) {
          changedSincePublish.add(key);
        }
      } else if (op < 17) {
        store.publish();
        for (String k : changedSincePublish) {
          if (lru.contains(k)) {
            visible.put(k, current.get(k));
          }
        }
        changedSincePublish.clear();
      } else if (op < 19) {
        store.flushCache();
        visible.putAll(current);
        changedSincePublish.clear();
      } else {
        check(store, visible, random);
      }
    }
    check(store, visible, random);
  }

  /** Marks {@code key} most recently used; a new key may evict (and so write) the eldest. */
  private static void touch(
      String key,
      List<String> lru,
      int maxEntries,
      Map<String, Long> current,
      Map<String, Long> visible,
      List<String> changedSincePublish,
      Long readValue) {
    if (lru.remove(key)) {
      lru.add(key);
      return;
    }
    // The store read the key from its inner store (or found none): the model agrees.
    assertThat(readValue).isEqualTo(visible.get(key));
    if (lru.size() == maxEntries) {
      String eldest = lru.remove(0);
      if (current.containsKey(eldest)) {
        visible.put(eldest, current.get(eldest));
      }
      changedSincePublish.remove(eldest);
    }
    lru.add(key);
  }

  private static void check(
      WriteBackStore<String, Long> store, NavigableMap<String, Long> visible, Random random) {
    assertThat(list(store.all())).containsExactlyElementsOf(entries(visible));
    assertThat(list(store.reverseAll()))
        .containsExactlyElementsOf(entries(visible.descendingMap()));
    for (int i = 0; i < 5; i++) {
      String a = "k" + random.nextInt(22);
      String b = "k" + random.nextInt(22);
      String from = a.compareTo(b) <= 0 ? a : b;
      String to = a.compareTo(b) <= 0 ? b : a;
      assertThat(list(store.range(from, to)))
          .as("range %s..%s", from, to)
          .containsExactlyElementsOf(entries(visible.subMap(from, true, to, true)));
      assertThat(list(store.reverseRange(from, to)))
          .containsExactlyElementsOf(entries(visible.subMap(from, true, to, true).descendingMap()));
      assertThat(list(store.range(null, to)))
          .containsExactlyElementsOf(entries(visible.headMap(to, true)));
      assertThat(list(store.range(from, null)))
          .containsExactlyElementsOf(entries(visible.tailMap(from, true)));
      assertThat(store.get(a)).isEqualTo(visible.get(a));
    }
    String prefix = "k1";
    assertThat(list(store.prefixScan(prefix, Serdes.String().serializer())))
        .containsExactlyElementsOf(
            entries(visible.subMap(prefix, true, prefix + Character.MAX_VALUE, true)));
  }

  private static List<KeyValue<String, Long>> list(KeyValueIterator<String, Long> it) {
    List<KeyValue<String, Long>> out = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        String peeked = it.peekNextKey();
        KeyValue<String, Long> kv = it.next();
        assertThat(kv.key).isEqualTo(peeked);
        out.add(kv);
      }
    }
    return out;
  }

  private static List<KeyValue<String, Long>> entries(Map<String, Long> m) {
    List<KeyValue<String, Long>> out = new ArrayList<>();
    m.forEach((k, v) -> out.add(KeyValue.pair(k, v)));
    return out;
  }
}
