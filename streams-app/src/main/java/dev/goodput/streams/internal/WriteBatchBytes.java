package dev.goodput.streams.internal;

import java.util.Arrays;

/**
 * A RocksDB write batch of puts with 8-byte values, built as bytes in the JVM and handed to RocksDB
 * whole ({@code new WriteBatch(byte[])}): one JNI call per batch instead of one per put, and no
 * array per key (docs/BENCHMARKS.md).
 *
 * <p>The bytes are RocksDB's serialized batch, the format of its write-ahead log records ({@code
 * db/write_batch.cc}): a sequence number (fixed64) and a count (fixed32), little-endian, then for
 * each put a tag ({@code kTypeValue}, 0x01, in the default column family; {@code
 * kTypeColumnFamilyValue}, 0x05, then the family's id as a varint32, in any other), then the key
 * and the value, each as a varint32 length and the bytes. {@code WriteBatchBytesTest} checks them
 * against the batch RocksDB builds from the same puts, so a RocksDB that changed the format fails
 * the build.
 */
public final class WriteBatchBytes {

  private static final int HEADER_BYTES = 12;
  private static final int COUNT_OFFSET = 8;
  private static final byte TYPE_VALUE = 0x01;
  private static final byte TYPE_COLUMN_FAMILY_VALUE = 0x05;

  /** The largest a put adds besides its key: a tag, a family id, two lengths and the value. */
  private static final int MAX_OVERHEAD_BYTES = 1 + 5 + 5 + 1 + Long.BYTES;

  private byte[] bytes;
  private int size = HEADER_BYTES;
  private int count;

  /** A batch expected to hold about {@code keyBytes} bytes of keys in all. */
  public WriteBatchBytes(int keyBytes) {
    bytes = new byte[HEADER_BYTES + Math.max(keyBytes, 0) + 64];
  }

  /**
   * Adds a put of {@code key[offset, offset + length)} with {@code value} as 8 bytes, big-endian,
   * into the column family of id {@code familyId} (0: the default family).
   */
  public void put(int familyId, byte[] key, int offset, int length, long value) {
    ensure(length + MAX_OVERHEAD_BYTES);
    if (familyId == 0) {
      bytes[size++] = TYPE_VALUE;
    } else {
      bytes[size++] = TYPE_COLUMN_FAMILY_VALUE;
      varint(familyId);
    }
    varint(length);
    System.arraycopy(key, offset, bytes, size, length);
    size += length;
    bytes[size++] = Long.BYTES;
    for (int shift = 56; shift >= 0; shift -= 8) {
      bytes[size++] = (byte) (value >>> shift);
    }
    count++;
  }

  /** The bytes of the batch so far, its header included. */
  public int sizeBytes() {
    return size;
  }

  /** The puts added so far. */
  public int count() {
    return count;
  }

  /** The serialized batch: sequence number 0 (RocksDB assigns it at the write), then the puts. */
  public byte[] toArray() {
    byte[] out = Arrays.copyOf(bytes, size);
    for (int i = 0; i < Integer.BYTES; i++) {
      out[COUNT_OFFSET + i] = (byte) (count >>> (8 * i));
    }
    return out;
  }

  private void varint(int value) {
    int v = value;
    while ((v & ~0x7F) != 0) {
      bytes[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    bytes[size++] = (byte) v;
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
