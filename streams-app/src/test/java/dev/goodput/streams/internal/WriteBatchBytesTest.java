package dev.goodput.streams.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/** The write batches of the dedup store, built as bytes: the same bytes RocksDB builds itself. */
class WriteBatchBytesTest {

  /** Column families 1 to 130: ids of one and of two varint bytes. */
  private static final int FAMILIES = 130;

  private static Path dir;
  private static Options options;
  private static RocksDB db;
  private static final List<ColumnFamilyHandle> families = new ArrayList<>();

  @BeforeContainer
  static void openDatabase() throws Exception {
    RocksDB.loadLibrary();
    dir = Files.createTempDirectory("write-batch-bytes");
    options = new Options().setCreateIfMissing(true);
    db = RocksDB.open(options, dir.toString());
    try (ColumnFamilyOptions familyOptions = new ColumnFamilyOptions()) {
      for (int i = 1; i <= FAMILIES; i++) {
        families.add(
            db.createColumnFamily(
                new ColumnFamilyDescriptor(("f" + i).getBytes(UTF_8), familyOptions)));
      }
    }
  }

  @AfterContainer
  static void closeDatabase() throws Exception {
    families.forEach(ColumnFamilyHandle::close);
    db.close();
    options.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  @Property(tries = 200)
  void shouldSerializeTheSamePutsAsRocksDbsOwnWriteBatch(
      @ForAll @Size(max = 300) List<@Size(max = 400) byte[]> keys,
      @ForAll @IntRange(min = 0, max = FAMILIES - 1) int familyIndex,
      @ForAll long value,
      @ForAll @IntRange(min = 0, max = 3) int sliceStart)
      throws RocksDBException {
    WriteBatchBytes ours = new WriteBatchBytes(0);
    ColumnFamilyHandle family = families.get(familyIndex);
    int familyId = family.getID();
    assertThat(familyId).isEqualTo(familyIndex + 1);
    try (WriteBatch theirs = new WriteBatch()) {
      for (int i = 0; i < keys.size(); i++) {
        byte[] key = keys.get(i);
        // Even puts into the default family, odd ones into the other; keys given as slices.
        int id = i % 2 == 0 ? 0 : familyId;
        int from = Math.min(sliceStart, key.length);
        byte[] slice = java.util.Arrays.copyOfRange(key, from, key.length);
        byte[] valueBytes = ByteBuffer.allocate(Long.BYTES).putLong(value + i).array();
        if (id == 0) {
          theirs.put(slice, valueBytes);
        } else {
          theirs.put(family, slice, valueBytes);
        }
        ours.put(id, key, from, key.length - from, value + i);
      }

      assertThat(ours.count()).isEqualTo(keys.size()).isEqualTo(theirs.count());
      assertThat(ours.toArray()).isEqualTo(theirs.data());
      try (WriteBatch parsed = new WriteBatch(ours.toArray())) {
        assertThat(parsed.count()).isEqualTo(keys.size());
        assertThat(parsed.data()).isEqualTo(theirs.data());
      }
    }
  }

  @Property(tries = 20)
  void shouldWriteEveryPutWhenRocksDbReadsTheBytes(
      @ForAll @Size(min = 1, max = 200) Set<@Size(min = 1, max = 60) byte[]> keys,
      @ForAll long value)
      throws RocksDBException {
    ColumnFamilyHandle family = families.get(FAMILIES - 1);
    WriteBatchBytes ours = new WriteBatchBytes(16);
    for (byte[] key : keys) {
      ours.put(family.getID(), key, 0, key.length, value);
    }

    try (WriteBatch batch = new WriteBatch(ours.toArray());
        WriteOptions write = new WriteOptions()) {
      db.write(write, batch);
    }

    byte[] expected = ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    for (byte[] key : keys) {
      assertThat(db.get(family, key)).isEqualTo(expected);
    }
  }
}
