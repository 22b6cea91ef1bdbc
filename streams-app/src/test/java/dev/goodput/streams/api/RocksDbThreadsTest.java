package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class RocksDbThreadsTest {

  private static final Path TASKS = Path.of("/proc/self/task");

  /**
   * The priority is the kernel's, so it is read where the kernel shows it: the nice value of each
   * thread of this process named after RocksDB's low-priority (compaction) pool.
   */
  @Test
  void compactionsRunAtNice19AndFlushesKeepTheNormalPriority(@TempDir Path dir)
      throws RocksDBException, IOException, InterruptedException {
    assumeTrue(Files.isDirectory(TASKS), "thread priorities are read from /proc (Linux)");
    int own = nice(Path.of("/proc/thread-self"));
    assumeTrue(own < 19, "this process already runs at the lowest priority");
    RocksDbThreads.applyCompactionPriority(new StreamsAppConfig(Map.of()));

    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, dir.toString());
        FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      // Two flushed files of the same keys, which a compaction merges on the low-priority pool
      // (a manual one too); the flushes run on the high-priority one.
      for (int file = 0; file < 2; file++) {
        for (int i = 0; i < 1_000; i++) {
          db.put(bytes("key-" + i), bytes("value-" + file));
        }
        db.flush(flush);
      }
      assertThat(filesAtLevel0(db)).isEqualTo(2);
      db.compactRange();
      assertThat(filesAtLevel0(db)).as("files left in level 0 by the compaction").isZero();
    }

    List<Integer> compaction = niceOfThreadsNamed("rocksdb:low");
    List<Integer> flush = niceOfThreadsNamed("rocksdb:high");
    assertThat(compaction).as("nice of the compaction threads").isNotEmpty().contains(19);
    assertThat(flush).as("nice of the flush threads").isNotEmpty().containsOnly(own);
  }

  private static List<Integer> niceOfThreadsNamed(String prefix) throws IOException {
    List<Integer> nice = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String comm;
        try {
          comm = Files.readString(task.resolve("comm")).strip();
          if (comm.startsWith(prefix)) {
            nice.add(nice(task));
          }
        } catch (IOException gone) {
          // the thread ended while listing
        }
      }
    }
    return nice;
  }

  /** Field 19 of the thread's stat; the name (field 2) may hold spaces, so count after its ')'. */
  private static int nice(Path task) throws IOException {
    String stat = Files.readString(task.resolve("stat"));
    String[] fromState = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(fromState[16]);
  }

  private static long filesAtLevel0(RocksDB db) throws RocksDBException {
    return Long.parseLong(db.getProperty("rocksdb.num-files-at-level0").strip());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
