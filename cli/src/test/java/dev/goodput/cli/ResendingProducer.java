package dev.goodput.cli;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A paced stream of records sent by a plain idempotent producer ({@code acks=all}) that goes
 * through one crash the way a careful client on the crashed host does (a gateway beside the killed
 * pipeline): when told of the crash, it abandons what is in flight, waits until the pipeline is
 * back, re-sends every record it never got an acknowledgement for (same key, same bytes) and its
 * last acknowledged ones, then sends the rest. A re-sent record may therefore be in the topic
 * twice.
 */
final class ResendingProducer implements Runnable {

  private final String bootstrap;
  private final List<ProducerRecord<byte[], byte[]>> records;
  private final int holdAt;
  private final int distrusted;
  private final int burst;
  private final long pauseMs;

  /** Counted down by the test right after it killed the pipeline. */
  final CountDownLatch crashed = new CountDownLatch(1);

  /** Counted down by the test when the restarted pipeline answers. */
  final CountDownLatch back = new CountDownLatch(1);

  private final AtomicIntegerArray acked;
  private final AtomicInteger ackedCount = new AtomicInteger();
  private final AtomicReference<Exception> failureAfterRecovery = new AtomicReference<>();
  private volatile int sent;
  private volatile int sentAtRecovery = -1;
  private volatile int ackedAtRecovery = -1;
  private volatile int resent = -1;
  private volatile int resentAcked = -1;

  /**
   * @param holdAt the producer does not go past this record until the pipeline has been killed, so
   *     that the kill always lands in the middle of the stream however slow the machine is
   * @param distrusted how many of the last records acknowledged before the crash are re-sent
   * @param burst records sent between pauses
   * @param pauseMs the pause, in milliseconds
   */
  ResendingProducer(
      String bootstrap,
      List<ProducerRecord<byte[], byte[]>> records,
      int holdAt,
      int distrusted,
      int burst,
      long pauseMs) {
    this.bootstrap = bootstrap;
    this.records = records;
    this.holdAt = holdAt;
    this.distrusted = distrusted;
    this.burst = burst;
    this.pauseMs = pauseMs;
    this.acked = new AtomicIntegerArray(records.size());
  }

  @Override
  public void run() {
    KafkaProducer<byte[], byte[]> producer = newProducer();
    boolean recovered = false;
    try {
      for (int i = 0; i < records.size(); i++) {
        if (!recovered && i == holdAt) {
          crashed.await();
        }
        if (!recovered && crashed.getCount() == 0) {
          producer = recover(producer, i);
          recovered = true;
        }
        send(producer, i, recovered);
        sent = i + 1;
        if (i % burst == burst - 1) {
          Thread.sleep(pauseMs);
        }
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      producer.close(Duration.ofSeconds(30));
    }
  }

  private KafkaProducer<byte[], byte[]> recover(KafkaProducer<byte[], byte[]> dead, int next)
      throws InterruptedException {
    // Fails every batch not yet acknowledged; their callbacks run before this returns.
    dead.close(Duration.ZERO);
    sentAtRecovery = next;
    ackedAtRecovery = ackedCount.get();
    back.await();
    KafkaProducer<byte[], byte[]> producer = newProducer();
    // The first of the last `distrusted` acknowledged records
    int distrustedFrom = next;
    for (int j = next - 1, found = 0; j >= 0 && found < distrusted; j--) {
      if (acked.get(j) == 1) {
        distrustedFrom = j;
        found++;
      }
    }
    int unacked = 0;
    int again = 0;
    for (int j = 0; j < next; j++) {
      if (acked.get(j) == 0) {
        send(producer, j, true);
        unacked++;
      } else if (j >= distrustedFrom) {
        send(producer, j, true);
        again++;
      }
    }
    resent = unacked;
    resentAcked = again;
    return producer;
  }

  private void send(KafkaProducer<byte[], byte[]> producer, int index, boolean mustSucceed) {
    producer.send(
        records.get(index),
        (metadata, exception) -> {
          if (exception == null) {
            if (acked.compareAndSet(index, 0, 1)) {
              ackedCount.incrementAndGet();
            }
          } else if (mustSucceed) {
            failureAfterRecovery.compareAndSet(null, exception);
          }
        });
  }

  private KafkaProducer<byte[], byte[]> newProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Records handed to a producer so far (re-sends not counted). */
  int sent() {
    return sent;
  }

  /** Records acknowledged by the broker (each counted once). */
  int acked() {
    return ackedCount.get();
  }

  /** Records handed to the first producer before it was abandoned. */
  int sentAtRecovery() {
    return sentAtRecovery;
  }

  /** Of those, how many the broker had acknowledged. */
  int ackedAtRecovery() {
    return ackedAtRecovery;
  }

  /** Records sent a second time because their first send was never acknowledged. */
  int resent() {
    return resent;
  }

  /** Acknowledged records sent a second time because they were among the last before the crash. */
  int resentAcked() {
    return resentAcked;
  }

  /** The first send that failed after the pipeline came back, or {@code null}. */
  Exception failureAfterRecovery() {
    return failureAfterRecovery.get();
  }
}
