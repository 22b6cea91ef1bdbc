package dev.goodput.streams.api;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Settings of the streams application (the {@code streams} section of the config file). Keys not
 * defined here are passed to Kafka Streams unchanged, which validates them at start-up.
 */
public final class StreamsAppConfig extends AbstractConfig {

  public static final String APPLICATION_ID = "application.id";
  public static final String STATE_DIR = "state.dir";
  public static final String PROCESSING_GUARANTEE = "processing.guarantee";
  public static final String NUM_STREAM_THREADS = "num.stream.threads";

  /**
   * One stream thread per core the JVM sees, and one more: a stream thread waits now and then (for
   * its transaction to commit, for a fetch), and the extra one takes the core meanwhile. On 2 cores
   * shared with the broker, 3 threads used 1.77-1.91 cores where 2 used 1.61-1.80, and processed
   * 20% more events in interleaved runs (docs/BENCHMARKS.md).
   */
  public static final int DEFAULT_STREAM_THREADS =
      Math.max(1, Runtime.getRuntime().availableProcessors()) + 1;

  public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
  public static final String PUBLISH_INTERVAL_MS = "publish.interval.ms";
  public static final String TOPIC_PARTITIONS = "topic.partitions";
  public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
  public static final String DEDUP_WINDOW_MS = "dedup.window.ms";
  public static final String RETENTION_MS = "retention.ms";
  public static final String LEDGER_GRACE_MS = "ledger.grace.ms";
  public static final String LEDGER_INTERVAL_MS = "ledger.interval.ms";
  public static final String COMPACTION_CPU_PRIORITY = "rocksdb.compaction.cpu.priority";

  private static final ConfigDef DEF =
      new ConfigDef()
          .define(
              APPLICATION_ID,
              Type.STRING,
              "goodput",
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              "Kafka Streams application id: the consumer group and the prefix of internal topics."
                  + " Instances with the same id share the work.")
          .define(
              STATE_DIR,
              Type.STRING,
              "goodput-data/streams",
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              "Directory of the local state stores (RocksDB). Rebuilt from changelogs if lost.")
          .define(
              PROCESSING_GUARANTEE,
              Type.STRING,
              StreamsConfig.EXACTLY_ONCE_V2,
              ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE),
              Importance.HIGH,
              "exactly_once_v2 (default; required for exact accounting) or at_least_once"
                  + " (for comparison only: counts may double after a crash).")
          .define(
              NUM_STREAM_THREADS,
              Type.INT,
              DEFAULT_STREAM_THREADS,
              ConfigDef.Range.atLeast(1),
              Importance.MEDIUM,
              "Stream threads in this instance (default: the cores the JVM sees, plus one, which"
                  + " takes a core while another thread waits for a commit or a fetch). A stream"
                  + " thread is the unit of processing; more than the input partitions only adds"
                  + " overhead.")
          .define(
              COMMIT_INTERVAL_MS,
              Type.LONG,
              1000L,
              ConfigDef.Range.atLeast(1),
              Importance.MEDIUM,
              "How often results are committed, in milliseconds (under exactly-once, one"
                  + " transaction per stream thread each time): at most this much input is"
                  + " processed again after a crash, and a record not keyed by its tenant waits"
                  + " up to this long on its way to its tenant's partition. Shorter costs"
                  + " throughput (see docs/BENCHMARKS.md).")
          .define(
              PUBLISH_INTERVAL_MS,
              Type.LONG,
              100L,
              ConfigDef.Range.between(1, 60_000),
              Importance.MEDIUM,
              "How often accounted changes are published to queries, in milliseconds: the"
                  + " freshness of the API and /metrics. Each commit also writes them to the state"
                  + " stores and their changelogs.")
          .define(
              TOPIC_PARTITIONS,
              Type.INT,
              6,
              ConfigDef.Range.atLeast(1),
              Importance.MEDIUM,
              "Partitions of the public topics when the pipeline creates them.")
          .define(
              TOPIC_REPLICATION_FACTOR,
              Type.SHORT,
              (short) -1,
              ConfigDef.Range.atLeast(-1),
              Importance.MEDIUM,
              "Replication factor of created topics, internal ones included; -1 takes the broker"
                  + " default.")
          .define(
              DEDUP_WINDOW_MS,
              Type.LONG,
              24 * 3_600_000L,
              ConfigDef.Range.atLeast(60_000L),
              Importance.HIGH,
              "How long an accepted event_id is remembered, in milliseconds of processing time: a"
                  + " second event of the same tenant and event_id within it is a duplicate.")
          .define(
              RETENTION_MS,
              Type.LONG,
              35 * 24 * 3_600_000L,
              ConfigDef.Range.atLeast(3_600_000L),
              Importance.HIGH,
              "Chargeback retention, in milliseconds: an event older than this (by the wall clock"
                  + " when processed) is expired instead of accepted.")
          .define(
              LEDGER_GRACE_MS,
              Type.LONG,
              10 * 60_000L,
              ConfigDef.Range.atLeast(0L),
              Importance.MEDIUM,
              "How long after an hour ends (by the wall clock) its chargeback record is written;"
                  + " a later event of that hour writes a new revision.")
          .define(
              LEDGER_INTERVAL_MS,
              Type.LONG,
              10_000L,
              ConfigDef.Range.atLeast(100L),
              Importance.LOW,
              "How often closed hours are looked for, in milliseconds.")
          .define(
              COMPACTION_CPU_PRIORITY,
              Type.STRING,
              RocksDbThreads.LOW,
              ValidString.in(RocksDbThreads.LOW, RocksDbThreads.NORMAL),
              Importance.LOW,
              "CPU priority of RocksDB's compaction threads, for the whole process: low (default;"
                  + " nice 19, so a compaction takes the cores only when the stream threads leave"
                  + " them) or normal. Flushes keep the normal priority.");

  public StreamsAppConfig(Map<String, ?> values) {
    super(DEF, values, false);
  }

  /** The documented keys, defaults and validators (for the reference docs). */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  public String applicationId() {
    return getString(APPLICATION_ID);
  }

  public int topicPartitions() {
    return getInt(TOPIC_PARTITIONS);
  }

  public short topicReplicationFactor() {
    return getShort(TOPIC_REPLICATION_FACTOR);
  }

  public long dedupWindowMs() {
    return getLong(DEDUP_WINDOW_MS);
  }

  public long retentionMs() {
    return getLong(RETENTION_MS);
  }

  public long ledgerGraceMs() {
    return getLong(LEDGER_GRACE_MS);
  }

  public long publishIntervalMs() {
    return getLong(PUBLISH_INTERVAL_MS);
  }

  public long ledgerIntervalMs() {
    return getLong(LEDGER_INTERVAL_MS);
  }

  /** Whether RocksDB's compaction threads run at a low CPU priority. */
  public boolean lowCompactionPriority() {
    return RocksDbThreads.LOW.equals(getString(COMPACTION_CPU_PRIORITY));
  }

  /** The producers' batch size unless configured (Kafka's default is 16 KiB). */
  static final int BATCH_BYTES = 256 * 1024;

  /**
   * Kafka Streams properties: the Kafka client settings (bootstrap servers, TLS, SASL, ...), then
   * this section's keys, then the settings the topology relies on.
   */
  public Properties streamsProperties(Map<String, ?> kafkaClientProperties) {
    Map<String, Object> props = new HashMap<>(kafkaClientProperties);
    Map<String, Object> own = new HashMap<>(originals());
    own.keySet().removeAll(DEF.names());
    // A warm copy of each task's state on another instance (when there is one), so a failover
    // serves queries after a short catch-up rather than a full restore.
    props.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
    // A task reads the input and the repartition topic; accounting does not depend on the order
    // of the two, so it never waits for one to have data before processing the other (the
    // repartition topic is mostly empty when producers key by tenant).
    props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
    // Measured when every accepted event added a record to the dedup store's changelog (now it
    // adds a share of a 128 KiB batch, DedupIdStore), and commits write each changed row's
    // record at once: batches of the producer's default 16 KiB fill in milliseconds, and the
    // broker's request handlers then spend more on requests than on bytes (docs/BENCHMARKS.md).
    // Unless batch.size is set either way.
    if (!props.containsKey(ProducerConfig.BATCH_SIZE_CONFIG)
        && !own.containsKey(ProducerConfig.BATCH_SIZE_CONFIG)) {
      props.putIfAbsent(
          StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), BATCH_BYTES);
    }
    // Bloom filters for the earlier dedup store, dedup-buckets (GoodputRocksDbConfig), unless a
    // setter of one's own is configured. (dedup-ids sets its own options.)
    props.putIfAbsent(
        StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, GoodputRocksDbConfig.class.getName());
    props.putAll(own);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId());
    props.put(StreamsConfig.STATE_DIR_CONFIG, getString(STATE_DIR));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, getString(PROCESSING_GUARANTEE));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, getInt(NUM_STREAM_THREADS));
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, getLong(COMMIT_INTERVAL_MS));
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) topicReplicationFactor());
    props.putAll(GoodputTopology.requiredStreamsProperties());
    Properties out = new Properties();
    out.putAll(props);
    return out;
  }
}
