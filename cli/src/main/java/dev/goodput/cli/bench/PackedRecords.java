package dev.goodput.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A window of generated records held until sent, packed into a few large arrays rather than kept as
 * millions of small objects. The freshness phase generates a whole window before sending it (about
 * 1.9 million records, some 850 MB as objects at 94,000 events/s for 20 s) in the pipeline's own
 * JVM: as objects, the first young collections of every window copied hundreds of megabytes of them
 * (pauses of 140-215 ms, when the pipeline's own were 15-30 ms), so the windows included the
 * harness's garbage collection. Large arrays are allocated outside the young generation and hold no
 * references, so the collector neither copies nor traces them; the key and value arrays handed to
 * the producer are short-lived copies.
 */
final class PackedRecords {

  /**
   * Bytes per chunk: at least half of G1's largest region (32 MB on Java 17), so a chunk is always
   * a humongous object.
   */
  static final int CHUNK_BYTES = 32 << 20;

  private final int chunkBytes;
  private final List<byte[]> chunks = new ArrayList<>();
  private final int[] chunkOf;
  private final int[] offset;
  private final int[] keyLength;
  private final int[] valueLength;
  private final long[] timestampMs;
  private int size;

  /** The chunk being filled, and the bytes used of it. */
  private int chunk = -1;

  private int used;

  PackedRecords(int capacity) {
    this(capacity, CHUNK_BYTES);
  }

  PackedRecords(int capacity, int chunkBytes) {
    this.chunkBytes = chunkBytes;
    this.used = chunkBytes;
    chunkOf = new int[capacity];
    offset = new int[capacity];
    keyLength = new int[capacity];
    valueLength = new int[capacity];
    timestampMs = new long[capacity];
  }

  /** Appends a record; at most {@code capacity} of them. */
  void add(byte[] key, byte[] value, long atMs) {
    if (size == chunkOf.length) {
      throw new IllegalStateException("room for " + chunkOf.length + " records only");
    }
    int bytes = key.length + value.length;
    if (bytes > chunkBytes) {
      throw new IllegalArgumentException("a record of " + bytes + " bytes");
    }
    if (used + bytes > chunkBytes) {
      chunk++;
      if (chunk == chunks.size()) {
        chunks.add(new byte[chunkBytes]);
      }
      used = 0;
    }
    byte[] into = chunks.get(chunk);
    System.arraycopy(key, 0, into, used, key.length);
    System.arraycopy(value, 0, into, used + key.length, value.length);
    chunkOf[size] = chunk;
    offset[size] = used;
    keyLength[size] = key.length;
    valueLength[size] = value.length;
    timestampMs[size] = atMs;
    used += bytes;
    size++;
  }

  int size() {
    return size;
  }

  /** How many records it can hold. */
  int capacity() {
    return chunkOf.length;
  }

  /**
   * Empties it for the next window, keeping its arrays: a new set of arrays for every window would
   * leave the last one's, hundreds of megabytes, as garbage in the old generation, for the pipeline
   * to pay for in collections the product would not have.
   */
  void clear() {
    size = 0;
    chunk = -1;
    used = chunkBytes;
  }

  /** A copy of record {@code i}'s key. */
  byte[] key(int i) {
    int from = offset[i];
    return Arrays.copyOfRange(chunks.get(chunkOf[i]), from, from + keyLength[i]);
  }

  /** A copy of record {@code i}'s value. */
  byte[] value(int i) {
    int from = offset[i] + keyLength[i];
    return Arrays.copyOfRange(chunks.get(chunkOf[i]), from, from + valueLength[i]);
  }

  long timestampMs(int i) {
    return timestampMs[i];
  }
}
