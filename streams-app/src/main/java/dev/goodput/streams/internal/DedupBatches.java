package dev.goodput.streams.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;

/**
 * The records of {@link DedupIdStore}'s changelog: batches of accepted ids, and the time the store
 * was first used.
 *
 * <ul>
 *   <li>Ids: key {@code 0x01} and a sequence number (8 bytes, big-endian), value a format byte
 *       ({@code 0x01}) then, for each id, the time it was accepted at (8 bytes, epoch
 *       milliseconds), its length (2 bytes) and its bytes. A commit's ids are split into records of
 *       at most {@link #MAX_RECORD_BYTES}.
 *   <li>Since: key {@code 0x02}, value the epoch milliseconds (8 bytes).
 * </ul>
 *
 * The changelog's cleanup policy is {@code delete}, with the retention of the ids and a day: a
 * batch is never updated, so keys need not be unique for compaction, only records kept as long as
 * their ids. The since record is written again at each start; a task that runs longer than the
 * retention without a restart loses it from the changelog (not from its store), and a restore then
 * only looks for ids of the layout before once more, finding none.
 */
final class DedupBatches {

  static final byte IDS = 1;
  static final byte SINCE = 2;
  static final byte FORMAT = 1;

  /** Well under the broker's default {@code max.message.bytes} of 1 MiB. */
  static final int MAX_RECORD_BYTES = 256 * 1024;

  /**
   * Receives a decoded id, as {@code record[offset, offset + length)} without a copy, and the time
   * it was accepted at.
   */
  interface IdSliceSink {
    void accept(byte[] record, int offset, int length, long atMs);
  }

  private DedupBatches() {}

  /** The changelog record of the time the store was first used. */
  static KeyValue<Bytes, byte[]> since(long sinceMs) {
    return KeyValue.pair(Bytes.wrap(new byte[] {SINCE}), longBytes(sinceMs));
  }

  /**
   * The changelog records of {@code ids} (each with the time it was accepted at), numbered from
   * {@code firstSequence}.
   */
  static List<KeyValue<Bytes, byte[]>> ids(Map<Bytes, Long> ids, long firstSequence) {
    List<KeyValue<Bytes, byte[]>> records = new ArrayList<>();
    ByteBuffer value = newValue();
    long sequence = firstSequence;
    int n = ids.size();
    byte[][] keys = new byte[n][];
    long[] times = new long[n];
    int i = 0;
    for (Map.Entry<Bytes, Long> e : ids.entrySet()) {
      keys[i] = e.getKey().get();
      times[i] = e.getValue();
      i++;
    }
    // In RocksDB's order (bytewise): a memtable insert then starts from where the one before ended.
    for (int k : BytewiseOrder.of(keys)) {
      byte[] id = keys[k];
      if (id.length > 0xFFFF) {
        throw new IllegalArgumentException("an event id of " + id.length + " bytes");
      }
      int size = entryBytes(id.length);
      if (value.position() > 1 && value.remaining() < size) {
        records.add(idsRecord(sequence++, value));
        value = newValue();
      }
      if (value.remaining() < size) {
        value = ByteBuffer.allocate(1 + size).put(FORMAT);
      }
      value.putLong(times[k]).putShort((short) id.length).put(id);
    }
    if (value.position() > 1) {
      records.add(idsRecord(sequence, value));
    }
    return records;
  }

  /** The bytes an id of {@code idLength} bytes takes in a record. */
  static int entryBytes(int idLength) {
    return Long.BYTES + Short.BYTES + idLength;
  }

  private static ByteBuffer newValue() {
    return ByteBuffer.allocate(MAX_RECORD_BYTES).put(FORMAT);
  }

  private static KeyValue<Bytes, byte[]> idsRecord(long sequence, ByteBuffer value) {
    byte[] key = ByteBuffer.allocate(1 + Long.BYTES).put(IDS).putLong(sequence).array();
    byte[] bytes = new byte[value.position()];
    value.flip();
    value.get(bytes);
    return KeyValue.pair(Bytes.wrap(key), bytes);
  }

  /**
   * Decodes one changelog record: its ids, as slices of {@code value}, into {@code ids}, or its
   * since time into {@code since}.
   */
  static void decode(byte[] key, byte[] value, IdSliceSink ids, LongConsumer since) {
    if (key.length == 0 || value == null) {
      throw new IllegalArgumentException("not a dedup batch: empty key or no value");
    }
    ByteBuffer in = ByteBuffer.wrap(value);
    switch (key[0]) {
      case IDS -> {
        byte format = in.get();
        if (format != FORMAT) {
          throw new IllegalArgumentException(
              "dedup batch of format " + format + ": written by a newer version?");
        }
        while (in.hasRemaining()) {
          long atMs = in.getLong();
          int length = Short.toUnsignedInt(in.getShort());
          int offset = in.position();
          if (length > in.remaining()) {
            throw new IllegalArgumentException(
                "dedup batch cut short: an id of " + length + " bytes at byte " + offset);
          }
          in.position(offset + length);
          ids.accept(value, offset, length, atMs);
        }
      }
      case SINCE -> since.accept(in.getLong());
      default ->
          throw new IllegalArgumentException(
              "dedup batch of type " + key[0] + ": written by a newer version?");
    }
  }

  private static byte[] longBytes(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }
}
