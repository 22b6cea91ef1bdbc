package dev.goodput.streams.api;

import org.rocksdb.Env;
import org.rocksdb.Priority;
import org.rocksdb.RocksDB;

/**
 * The CPU priority of RocksDB's compaction threads ({@code rocksdb.compaction.cpu.priority}).
 *
 * <p>Every RocksDB store in the process, Kafka Streams' and dedup-ids alike, runs its background
 * work on the threads of RocksDB's default environment: flushes on the high-priority pool,
 * compactions on the low-priority one. A compaction is never urgent for Goodput: it only tidies
 * files that lookups already answer through bloom filters. Under live traffic on two cores, though,
 * a compaction took a quarter of a core away from the stream threads just when they had a backlog
 * to work off, and the freshness tail grew with it (docs/BENCHMARKS.md). At nice 19 it takes the
 * cores only when the stream threads leave them; if it falls far behind, RocksDB slows the writes,
 * and the stream threads' waits give the cores back.
 *
 * <p>A thread of the pool takes the new priority at its next job. It is lasting: RocksDB never
 * raises a thread's priority again, so the setting holds for the life of the process.
 */
public final class RocksDbThreads {

  static final String LOW = "low";
  static final String NORMAL = "normal";

  private RocksDbThreads() {}

  /** Lowers the compaction threads' CPU priority if {@code config} asks for it (the default). */
  public static void applyCompactionPriority(StreamsAppConfig config) {
    if (config.lowCompactionPriority()) {
      RocksDB.loadLibrary();
      Env.getDefault().lowerThreadPoolCPUPriority(Priority.LOW);
    }
  }
}
