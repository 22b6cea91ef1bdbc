package dev.goodput.fleet.internal;

import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishing loop of a fleet, run on its own thread.
 *
 * <p>It works in checkpoints. Before it sends anything it saves a {@link Reservation} of the next
 * sequence numbers (at most {@code checkpointMaxEvents}, spanning at most {@code
 * checkpointIntervalMs} of schedule) together with the acknowledged position. It sends each event
 * when it is due, then flushes the producer and re-sends, unchanged, any event that was not
 * acknowledged, until all are. Only then does the next checkpoint move the saved position past
 * them. After a crash the saved reservation tells a restart which events to send again, with the
 * same content and timestamps.
 */
public final class FleetLoop implements Runnable {

  /**
   * How the loop paces and checkpoints.
   *
   * @param speed trace time / wall time
   * @param maxEvents stop when the sequence reaches this; 0 for never
   */
  public record Pacing(
      double speed, long maxEvents, long checkpointIntervalMs, int checkpointMaxEvents) {}

  private static final Logger LOG = LoggerFactory.getLogger(FleetLoop.class);
  private static final long RETRY_BACKOFF_MS = 1_000;
  private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final int NOT_SENT = 0;
  private static final int PENDING = 1;
  private static final int ACKED = 2;
  private static final int FAILED = 3;

  private final EventGenerator generator;
  private final AzureTrace trace;
  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final StateFile stateFile;
  private final Pacing pacing;
  private final Clock clock;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile long checkpointed;
  private volatile Throwable error;
  private FleetState state;

  public FleetLoop(
      EventGenerator generator,
      AzureTrace trace,
      Producer<byte[], byte[]> producer,
      String topic,
      StateFile stateFile,
      FleetState initial,
      Pacing pacing,
      Clock clock) {
    this.generator = generator;
    this.trace = trace;
    this.producer = producer;
    this.topic = topic;
    this.stateFile = stateFile;
    this.state = initial;
    this.pacing = pacing;
    this.clock = clock;
    this.checkpointed = initial.nextSequence();
  }

  /** Records acknowledged by Kafka since this loop started. */
  public long sent() {
    return sent.get();
  }

  /** Sends that failed since this loop started (each was retried with the same event). */
  public long failed() {
    return failed.get();
  }

  /** The saved position: every sequence number below it is acknowledged and on disk as such. */
  public long checkpointed() {
    return checkpointed;
  }

  /** The exception that ended the loop early, or {@code null}. */
  public Throwable error() {
    return error;
  }

  /** Asks the loop to stop: it settles what it sent, saves its state and closes the producer. */
  public void requestStop() {
    stop.countDown();
  }

  private boolean stopRequested() {
    return stop.getCount() == 0;
  }

  @Override
  public void run() {
    try {
      loop();
      LOG.info(
          "fleet run {} stopped at sequence {} ({} sent, {} failed sends)",
          generator.runId(),
          checkpointed,
          sent.get(),
          failed.get());
    } catch (RuntimeException e) {
      error = e;
      LOG.error(
          "fleet run {} failed; its state file keeps the last checkpoint (sequence {})",
          generator.runId(),
          checkpointed,
          e);
    } finally {
      producer.close(PRODUCER_CLOSE_TIMEOUT);
    }
  }

  private void loop() {
    long seq = state.nextSequence();
    Reservation r = state.inFlight();
    boolean resumed = r != null;
    if (resumed) {
      LOG.info(
          "fleet run {}: re-sending sequences {} to {}, which may have been in flight at the last"
              + " stop",
          generator.runId(),
          seq,
          r.end() - 1);
    }
    Reservation previous = null;
    while (true) {
      if (r == null) {
        if (stopRequested() || limitReached(seq)) {
          checkpoint(seq, null);
          return;
        }
        r = reserve(seq, previous);
        resumed = false;
        checkpoint(seq, r);
      }
      long end = pacing.maxEvents() > 0 ? Math.min(r.end(), pacing.maxEvents()) : r.end();
      Acks acks = new Acks(seq, Math.max(seq, end));
      long next = seq;
      while (next < end && awaitDue(r.timestampMs(trace, next))) {
        send(next, r, acks);
        next++;
      }
      long acked = settle(acks, r, next);
      if (next < r.end() || acked < next) {
        // Stopped, or at max.events, inside the reservation. Keep what may have been sent
        // unacknowledged (in this process or, for a resumed reservation, in the previous one).
        checkpoint(acked, r.truncatedTo(resumed ? r.end() : next));
        return;
      }
      previous = r;
      r = null;
      seq = next;
    }
  }

  private boolean limitReached(long seq) {
    return pacing.maxEvents() > 0 && seq >= pacing.maxEvents();
  }

  /** The next checkpoint's sequence numbers, on the schedule of the previous one if not behind. */
  private Reservation reserve(long seq, Reservation previous) {
    long now = clock.millis();
    long anchor = previous == null ? now : Math.max(now, previous.timestampMs(trace, seq));
    long maxEnd = seq + pacing.checkpointMaxEvents();
    if (pacing.maxEvents() > 0) {
      maxEnd = Math.min(maxEnd, pacing.maxEvents());
    }
    double spanNs = pacing.checkpointIntervalMs() * 1_000_000.0 * pacing.speed();
    long end = seq + 1;
    while (end < maxEnd && trace.gapNs(seq, end) < spanNs) {
      end++;
    }
    return new Reservation(seq, end, anchor, pacing.speed());
  }

  private void checkpoint(long next, Reservation inFlight) {
    state = state.at(next, inFlight);
    stateFile.save(state);
    checkpointed = state.nextSequence();
  }

  /** Waits until {@code dueMs}; false if asked to stop first. */
  private boolean awaitDue(long dueMs) {
    return pause(dueMs - clock.millis());
  }

  /** Waits {@code ms} unless asked to stop; false if asked to stop. */
  private boolean pause(long ms) {
    long deadline = clock.millis() + ms;
    try {
      while (!stopRequested()) {
        long wait = deadline - clock.millis();
        if (wait <= 0) {
          return true;
        }
        stop.await(wait, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      requestStop();
    }
    return false;
  }

  private void send(long seq, Reservation r, Acks acks) {
    long timestampMs = r.timestampMs(trace, seq);
    InferenceEvent event = generator.event(seq, timestampMs);
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            topic,
            null,
            timestampMs,
            event.tenant().getBytes(StandardCharsets.UTF_8),
            EventWriter.toJson(event));
    acks.set(seq, PENDING);
    try {
      producer.send(
          record,
          (metadata, exception) -> {
            if (exception == null) {
              acks.set(seq, ACKED);
              sent.incrementAndGet();
            } else {
              acks.fail(seq, exception);
              failed.incrementAndGet();
            }
          });
    } catch (KafkaException | IllegalStateException e) {
      acks.fail(seq, e);
      failed.incrementAndGet();
    }
  }

  /**
   * Flushes and re-sends what failed until everything up to {@code next} is acknowledged or a stop
   * is requested; returns the first sequence number not acknowledged.
   */
  private long settle(Acks acks, Reservation r, long next) {
    while (true) {
      try {
        producer.flush();
      } catch (KafkaException | IllegalStateException e) {
        LOG.warn("fleet run {}: flush failed: {}", generator.runId(), e.toString());
        requestStop();
      }
      long acked = acks.firstNotAcked(next);
      if (acked == next || stopRequested()) {
        return acked;
      }
      List<Long> retry = acks.failed(next);
      LOG.warn(
          "fleet run {}: {} of sequences {} to {} not acknowledged ({}); re-sending them in {} ms",
          generator.runId(),
          retry.size(),
          acks.first,
          next - 1,
          acks.firstError(),
          RETRY_BACKOFF_MS);
      if (!pause(RETRY_BACKOFF_MS)) {
        return acks.firstNotAcked(next);
      }
      for (long seq : retry) {
        send(seq, r, acks);
      }
    }
  }

  /** Delivery state of the sequence numbers {@code [first, end)} of one checkpoint. */
  private static final class Acks {
    final long first;
    final AtomicIntegerArray states;
    final AtomicReference<Throwable> firstError = new AtomicReference<>();

    Acks(long first, long end) {
      this.first = first;
      this.states = new AtomicIntegerArray(Math.toIntExact(end - first));
    }

    void set(long seq, int s) {
      states.set((int) (seq - first), s);
    }

    void fail(long seq, Throwable e) {
      firstError.compareAndSet(null, e);
      set(seq, FAILED);
    }

    long firstNotAcked(long next) {
      for (long s = first; s < next; s++) {
        if (states.get((int) (s - first)) != ACKED) {
          return s;
        }
      }
      return next;
    }

    List<Long> failed(long next) {
      List<Long> out = new ArrayList<>();
      for (long s = first; s < next; s++) {
        int st = states.get((int) (s - first));
        if (st == FAILED || st == NOT_SENT) {
          out.add(s);
        }
      }
      return out;
    }

    String firstError() {
      Throwable e = firstError.get();
      return e == null ? "no error reported" : e.toString();
    }
  }
}
