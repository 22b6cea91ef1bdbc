package dev.goodput.streams.internal;

import java.util.Arrays;

/**
 * Sorts byte strings into RocksDB's default order (unsigned bytewise, a prefix first), as a
 * permutation of their indices.
 *
 * <p>Why not a comparator sort: the ids of a dedup batch share long prefixes (a tenant, then ids of
 * one format), and comparing them whole, about n log n times, was a quarter of the cost of writing
 * a batch (docs/BENCHMARKS.md). Here each string's next six bytes after the prefix its group
 * shares, with its index below them, make one {@code long}, and a primitive sort orders those;
 * strings whose six bytes tie (the same tenant, mostly) are ordered the same way after their own
 * shared prefix, until the group is small and a comparator finishes it.
 */
public final class BytewiseOrder {

  /** Indices fit in the low 16 bits of a packed key. */
  static final int MAX_PACKED = 1 << 16;

  private static final int CHUNK_BYTES = 6;
  private static final int INDEX_BITS = 16;
  private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

  /** Groups this small are finished with the comparator. */
  private static final int SMALL = 12;

  private BytewiseOrder() {}

  /** The indices of {@code keys} in bytewise order of the keys. */
  public static int[] of(byte[][] keys) {
    int n = keys.length;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (n <= 1) {
      return order;
    }
    if (n > MAX_PACKED) {
      byComparator(keys, order, 0, n);
    } else {
      sort(keys, order, new long[n], 0, n, 0);
    }
    return order;
  }

  /** Sorts {@code order[from, to)}, whose keys share their first {@code depth} bytes at least. */
  private static void sort(byte[][] keys, int[] order, long[] packed, int from, int to, int depth) {
    int shortest = Integer.MAX_VALUE;
    for (int i = from; i < to; i++) {
      shortest = Math.min(shortest, keys[order[i]].length);
    }
    if (shortest < depth) {
      // Some keys tied only by the zeros read past their end: no shared prefix to skip.
      byComparator(keys, order, from, to);
      return;
    }
    int shared = sharedPrefix(keys, order, from, to, depth);
    int longest = 0;
    for (int i = from; i < to; i++) {
      int k = order[i];
      longest = Math.max(longest, keys[k].length);
      // Unsigned order of the chunks as signed order of the longs: flip the top bit.
      packed[i] = ((chunk(keys[k], shared) << INDEX_BITS) | k) ^ Long.MIN_VALUE;
    }
    Arrays.sort(packed, from, to);
    for (int i = from; i < to; i++) {
      order[i] = (int) (packed[i] & INDEX_MASK);
    }
    // Keys that tie after every byte is read differ only in trailing zeros: the comparator decides.
    boolean more = shared + CHUNK_BYTES < longest;
    int start = from;
    for (int i = from + 1; i <= to; i++) {
      if (i == to || (packed[i] >>> INDEX_BITS) != (packed[start] >>> INDEX_BITS)) {
        if (i - start <= SMALL || !more) {
          byComparator(keys, order, start, i);
        } else {
          sort(keys, order, packed, start, i, shared + CHUNK_BYTES);
        }
        start = i;
      }
    }
  }

  /** The number of leading bytes every key of the group has in common, {@code depth} at least. */
  private static int sharedPrefix(byte[][] keys, int[] order, int from, int to, int depth) {
    byte[] first = keys[order[from]];
    int shared = first.length;
    for (int i = from + 1; i < to && shared > depth; i++) {
      byte[] other = keys[order[i]];
      int end = Math.min(shared, other.length);
      int m = Arrays.mismatch(first, depth, end, other, depth, end);
      shared = m < 0 ? end : depth + m;
    }
    return Math.max(shared, depth);
  }

  /** Six bytes of {@code key} from {@code offset}, big-endian, zeros past its end. */
  private static long chunk(byte[] key, int offset) {
    long v = 0;
    int end = Math.min(key.length, offset + CHUNK_BYTES);
    for (int i = offset; i < end; i++) {
      v = (v << 8) | (key[i] & 0xFF);
    }
    return v << (8 * (CHUNK_BYTES - Math.max(0, end - offset)));
  }

  private static void insertionSort(byte[][] keys, int[] order, int from, int to) {
    for (int i = from + 1; i < to; i++) {
      int k = order[i];
      int j = i - 1;
      while (j >= from && Arrays.compareUnsigned(keys[order[j]], keys[k]) > 0) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = k;
    }
  }

  /** Sorts {@code order[from, to)} by comparing whole keys. */
  private static void byComparator(byte[][] keys, int[] order, int from, int to) {
    if (to - from <= SMALL) {
      insertionSort(keys, order, from, to);
      return;
    }
    Integer[] boxed = new Integer[to - from];
    for (int i = from; i < to; i++) {
      boxed[i - from] = order[i];
    }
    Arrays.sort(boxed, (x, y) -> Arrays.compareUnsigned(keys[x], keys[y]));
    for (int i = from; i < to; i++) {
      order[i] = boxed[i - from];
    }
  }
}
