package dev.goodput.fleet.api;

import dev.goodput.fleet.internal.EventGenerator;
import dev.goodput.fleet.internal.FleetData;
import dev.goodput.fleet.internal.FleetLoop;
import dev.goodput.fleet.internal.FleetState;
import dev.goodput.fleet.internal.ModelProfile;
import dev.goodput.fleet.internal.StateFile;
import dev.goodput.fleet.internal.Tenants;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated fleet of model servers: it replays a bundled slice of the Azure LLM inference trace
 * 2023 ({@code conv}) in real time (or {@code speed} times faster, looping at the end) and
 * publishes one {@code event-v1} record per request on {@value #TOPIC}, keyed by the tenant
 * (UTF-8), with {@code acks=all} and an idempotent producer. Tenants follow ServeGen's client skew,
 * models a fixed mix, latencies are requests measured with vLLM; the data's {@code SOURCE.md} files
 * and {@link FleetConfig} say where each value comes from and what is assumed.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Every event passes the strict {@code EventParser}. Its {@code event_id} is {@code <run
 *       id>-<sequence>}; its content depends only on the run's settings and that sequence number.
 *   <li>{@code timestamp_ms} (also the record timestamp) is the wall-clock time, UTC epoch
 *       milliseconds, at which the event was due; it is never published before that.
 *   <li>The state file records a position only after Kafka acknowledged every event before it, and
 *       it is replaced atomically. A fleet started on the same file with the same seed, tenants and
 *       ratios continues the run where it was acknowledged; no event id is ever used for two
 *       different requests. Events that were in flight when a fleet crashed (at most one
 *       checkpoint's worth) are sent again with the same event id and the same bytes, which the
 *       pipeline counts as duplicates. Failed sends are retried the same way until acknowledged.
 *   <li>{@link #close()} returns within a few seconds, having flushed, saved the state and closed
 *       the producer.
 * </ul>
 */
public final class Fleet implements AutoCloseable {

  /** The topic events are published on (contract section 1). */
  public static final String TOPIC = "inference.requests.v1";

  private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(3);
  private static final Duration FORCED_CLOSE_GRACE = Duration.ofSeconds(2);

  private final FleetLoop loop;
  private final Thread thread;
  private final Producer<byte[], byte[]> producer;
  private final String runId;

  private Fleet(FleetLoop loop, Producer<byte[], byte[]> producer, String runId) {
    this.loop = loop;
    this.producer = producer;
    this.runId = runId;
    this.thread = new Thread(loop, "goodput-fleet-" + runId);
    this.thread.setDaemon(true);
  }

  /**
   * Starts a fleet with its own {@link KafkaProducer}, built from {@code kafkaClientProperties}
   * (bootstrap servers, security, ...) as {@link FleetConfig#producerProperties} says.
   *
   * @throws IllegalStateException if the state file exists but cannot be read as one
   */
  public static Fleet start(FleetConfig config, Map<String, ?> kafkaClientProperties) {
    return start(
        config,
        new KafkaProducer<>(
            config.producerProperties(kafkaClientProperties),
            new ByteArraySerializer(),
            new ByteArraySerializer()));
  }

  /**
   * Starts a fleet that publishes with {@code producer}, which it owns from now on and closes (also
   * when this method throws). The producer should be configured with {@code acks=all} and
   * idempotence.
   *
   * @throws IllegalStateException if the state file exists but cannot be read as one
   */
  public static Fleet start(FleetConfig config, Producer<byte[], byte[]> producer) {
    try {
      return startOrThrow(config, producer);
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw e;
    }
  }

  private static Fleet startOrThrow(FleetConfig config, Producer<byte[], byte[]> producer) {
    FleetData data = FleetData.bundled();
    StateFile stateFile = new StateFile(config.stateFile());
    String content =
        EventGenerator.contentId(
            data, config.seed(), config.tenants(), config.errorRatio(), config.cancelRatio());
    Optional<FleetState> saved = stateFile.load();
    FleetState initial;
    if (saved.isPresent() && saved.get().content().equals(content)) {
      initial = saved.get();
      LOG.info(
          "fleet run {} continues at sequence {} (state file {})",
          initial.runId(),
          initial.nextSequence(),
          stateFile.path());
    } else {
      initial = new FleetState(newRunId(), content, 0, null);
      saved.ifPresent(
          s ->
              LOG.info(
                  "fleet settings differ from those of run {} ({} instead of {}): starting a new"
                      + " run",
                  s.runId(),
                  content,
                  s.content()));
      LOG.info("fleet run {} starts (state file {})", initial.runId(), stateFile.path());
    }
    EventGenerator generator =
        new EventGenerator(
            data,
            initial.runId(),
            config.seed(),
            config.tenants(),
            config.errorRatio(),
            config.cancelRatio());
    FleetLoop loop =
        new FleetLoop(
            generator,
            data.trace(),
            producer,
            TOPIC,
            stateFile,
            initial,
            new FleetLoop.Pacing(
                config.speed(),
                config.maxEvents(),
                config.checkpointIntervalMs(),
                config.checkpointMaxEvents()),
            Clock.systemUTC());
    Fleet fleet = new Fleet(loop, producer, initial.runId());
    fleet.thread.start();
    return fleet;
  }

  private static String newRunId() {
    byte[] random = new byte[6];
    new SecureRandom().nextBytes(random);
    return "fleet-" + HexFormat.of().formatHex(random);
  }

  /** The names of the first {@code count} tenants (1 to 8), the most active first. */
  public static List<String> tenantNames(int count) {
    return FleetData.bundled().tenants().first(count).stream().map(Tenants.Tenant::name).toList();
  }

  /** The names of the models the fleet publishes. */
  public static List<String> modelNames() {
    return FleetData.bundled().models().stream().map(ModelProfile::name).toList();
  }

  /** The prefix of this run's event ids. */
  public String runId() {
    return runId;
  }

  /** Records Kafka acknowledged since this fleet started. */
  public long sent() {
    return loop.sent();
  }

  /** Sends that failed since this fleet started; each failed event is sent again, unchanged. */
  public long failed() {
    return loop.failed();
  }

  /** The saved position: every sequence number below it is acknowledged by Kafka. */
  public long checkpointedSequence() {
    return loop.checkpointed();
  }

  /**
   * Whether the fleet is still publishing (it stops at {@code max.events}, on close or failure).
   */
  public boolean isRunning() {
    return thread.isAlive();
  }

  /** Waits for the fleet to stop by itself (at {@code max.events}); true if it has stopped. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    thread.join(Math.max(1, timeout.toMillis()));
    return !thread.isAlive();
  }

  /**
   * What stopped the fleet early (for example, the state file could not be written), if anything.
   */
  public Optional<Throwable> error() {
    return Optional.ofNullable(loop.error());
  }

  /**
   * Stops publishing: waits for the events sent to be acknowledged, saves the state and closes the
   * producer. If Kafka does not answer within a few seconds the producer is closed without waiting;
   * the state then records only what was acknowledged.
   */
  @Override
  public void close() {
    loop.requestStop();
    try {
      thread.join(CLOSE_GRACE.toMillis());
      if (thread.isAlive()) {
        LOG.warn("fleet run {}: Kafka did not acknowledge in time; closing the producer", runId);
        producer.close(Duration.ZERO);
        thread.join(FORCED_CLOSE_GRACE.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
