package dev.goodput.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The order of a dedup batch's ids: RocksDB's bytewise order, whatever the ids look like. */
class BytewiseOrderPropertiesTest {

  @Property(tries = 300)
  void shouldOrderAnyDistinctKeysAsAnUnsignedBytewiseSortDoes(
      @ForAll @Size(max = 2_000) Set<@Size(max = 40) byte[]> input) {
    assertOrdersLikeTheComparator(new ArrayList<>(input));
  }

  @Property(tries = 200)
  void shouldOrderIdsThatShareTenantPrefixesAndTrailingZeros(
      @ForAll("idsOfSkewedTenants") Set<byte[]> input) {
    assertOrdersLikeTheComparator(new ArrayList<>(input));
  }

  @Test
  void shouldPutAPrefixBeforeTheKeysItStartsAndOrderBytesAsUnsigned() {
    List<byte[]> keys = new ArrayList<>();
    keys.add(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    keys.add(new byte[] {1, 2, 3});
    keys.add(new byte[] {1, 2, 3, 0});
    keys.add(new byte[] {1, 2, 3, 0, 0, 0, 0, 0, 0, 0});
    keys.add(new byte[] {(byte) 0xFF});
    keys.add(new byte[] {0x7F});
    keys.add(new byte[] {});
    for (int i = 0; i < 40; i++) {
      keys.add(("tenant-1\0" + i).getBytes(StandardCharsets.UTF_8));
    }

    int[] order = BytewiseOrder.of(keys.toArray(new byte[0][]));

    assertThat(keys.get(order[0])).isEmpty();
    assertThat(keys.get(order[1])).containsExactly(1, 2, 3);
    assertThat(keys.get(order[2])).containsExactly(1, 2, 3, 0);
    assertThat(keys.get(order[keys.size() - 1])).containsExactly((byte) 0xFF);
    assertOrdersLikeTheComparator(keys);
  }

  @Provide
  Arbitrary<Set<byte[]>> idsOfSkewedTenants() {
    // A few tenants, one of them most of the traffic; ids of varied length, some ending in zeros.
    Arbitrary<String> tenant =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, Arbitraries.just("tenant-0001")),
            net.jqwik.api.Tuple.of(
                2, Arbitraries.integers().between(0, 30).map(i -> "tenant-" + (1000 + i))));
    Arbitrary<byte[]> id =
        Arbitraries.bytes().between((byte) 0, (byte) 3).array(byte[].class).ofMaxSize(20);
    return Combinators.combine(tenant, id)
        .as(
            (t, i) -> {
              byte[] tb = t.getBytes(StandardCharsets.UTF_8);
              byte[] key = Arrays.copyOf(tb, tb.length + 1 + i.length);
              System.arraycopy(i, 0, key, tb.length + 1, i.length);
              return key;
            })
        .set()
        .ofMaxSize(3_000);
  }

  private static void assertOrdersLikeTheComparator(List<byte[]> keys) {
    byte[][] array = keys.toArray(new byte[0][]);

    int[] order = BytewiseOrder.of(array);

    List<byte[]> actual = new ArrayList<>();
    for (int k : order) {
      actual.add(array[k]);
    }
    List<byte[]> expected = new ArrayList<>(keys);
    expected.sort(Comparator.comparing(k -> k, Arrays::compareUnsigned));
    assertThat(actual).containsExactlyElementsOf(expected);
    assertThat(Arrays.stream(order).distinct().count()).isEqualTo(keys.size());
  }
}
