package dev.goodput.cli.internal;

import dev.goodput.streams.api.StoreNames;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the restoration of state stores from their changelogs (which can take minutes on a large
 * state, during which usage queries answer 503), and counts the records restored into the task
 * stores. A clean restart on its own state directory restores nothing: Kafka Streams resumes from
 * the offsets the stores committed, unless it found a store it could not trust and wiped the task.
 */
final class RestoreProgress implements StateRestoreListener {

  private static final Logger LOG = LoggerFactory.getLogger(RestoreProgress.class);
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final AtomicLong restored = new AtomicLong();
  private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime());

  @Override
  public void onRestoreStart(
      TopicPartition partition, String store, long startingOffset, long endingOffset) {
    LOG.info(
        "restoring state store {} (partition {}) from its changelog: {} records",
        store,
        partition.partition(),
        endingOffset - startingOffset);
  }

  @Override
  public void onBatchRestored(
      TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    long total = isTaskStore(store) ? restored.addAndGet(numRestored) : restored.get();
    long now = System.nanoTime();
    long last = lastLogNanos.get();
    if (now - last >= LOG_EVERY_NANOS && lastLogNanos.compareAndSet(last, now)) {
      LOG.info("restoring state: {} records restored so far; queries answer 503 until done", total);
    }
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    LOG.debug(
        "restored state store {} (partition {}): {} records",
        store,
        partition.partition(),
        totalRestored);
  }

  /** Records restored into the stores of the tasks (not the global catalog) since start. */
  long restoredRecords() {
    return restored.get();
  }

  private static boolean isTaskStore(String store) {
    return !store.equals(StoreNames.CATALOG);
  }
}
