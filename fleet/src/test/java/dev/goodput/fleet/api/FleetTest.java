package dev.goodput.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.goodput.fleet.internal.FleetState;
import dev.goodput.fleet.internal.StateFile;
import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.ParseResult;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class FleetTest {

  @TempDir Path dir;

  private FleetConfig config(Object... keyValues) {
    Map<String, Object> m = new HashMap<>();
    m.put(FleetConfig.STATE_FILE, dir.resolve("state.json").toString());
    m.put(FleetConfig.SPEED, "1000");
    m.put(FleetConfig.CHECKPOINT_MAX_EVENTS, "20");
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return new FleetConfig(m);
  }

  private static MockProducer<byte[], byte[]> autoAcking() {
    return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static InferenceEvent parse(ProducerRecord<byte[], byte[]> record) {
    ParseResult r = EventParser.parse(record.value(), System.currentTimeMillis());
    assertThat(r).isInstanceOf(ParseResult.Valid.class);
    return ((ParseResult.Valid) r).event();
  }

  private static Fleet runToEnd(FleetConfig config, MockProducer<byte[], byte[]> producer)
      throws InterruptedException {
    Fleet fleet = Fleet.start(config, producer);
    assertThat(fleet.awaitTermination(Duration.ofSeconds(20))).isTrue();
    fleet.close();
    return fleet;
  }

  private FleetState savedState() {
    return new StateFile(dir.resolve("state.json")).load().orElseThrow();
  }

  @Test
  void shouldPublishValidEventsKeyedByTenantAndCountAcknowledgements() throws Exception {
    // Given
    MockProducer<byte[], byte[]> producer = autoAcking();

    // When
    Fleet fleet = runToEnd(config(FleetConfig.MAX_EVENTS, "120"), producer);

    // Then
    List<ProducerRecord<byte[], byte[]>> records = producer.history();
    assertThat(records).hasSize(120);
    for (int i = 0; i < records.size(); i++) {
      ProducerRecord<byte[], byte[]> record = records.get(i);
      InferenceEvent e = parse(record);
      assertThat(record.topic()).isEqualTo("inference.requests.v1");
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(e.tenant());
      assertThat(record.timestamp()).isEqualTo(e.timestampMs());
      assertThat(e.eventId()).isEqualTo(fleet.runId() + "-" + i);
    }
    assertThat(fleet.sent()).isEqualTo(120);
    assertThat(fleet.failed()).isZero();
    assertThat(fleet.checkpointedSequence()).isEqualTo(120);
    assertThat(fleet.error()).isEmpty();
    assertThat(producer.closed()).isTrue();
    assertThat(savedState().nextSequence()).isEqualTo(120);
    assertThat(savedState().inFlight()).isNull();
  }

  @Test
  void shouldPublishNoEventBeforeItIsDueAndSpaceThemByTheTraceGaps() throws Exception {
    // Given a producer that notes the wall clock of every send, and a speed of 100
    List<Long> sendTimes = new ArrayList<>();
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized Future<RecordMetadata> send(
              ProducerRecord<byte[], byte[]> record, Callback callback) {
            sendTimes.add(System.currentTimeMillis());
            return super.send(record, callback);
          }
        };

    // When the first 30 requests (19.9 s of trace) are replayed in one checkpoint
    runToEnd(
        config(
            FleetConfig.SPEED, "100",
            FleetConfig.MAX_EVENTS, "30",
            FleetConfig.CHECKPOINT_MAX_EVENTS, "1000"),
        producer);

    // Then each is sent at or after its timestamp, and the timestamps keep the trace's gaps / 100
    List<ProducerRecord<byte[], byte[]>> records = producer.history();
    assertThat(records).hasSize(30);
    long t0 = records.get(0).timestamp();
    for (int i = 0; i < records.size(); i++) {
      assertThat(sendTimes.get(i)).isGreaterThanOrEqualTo(records.get(i).timestamp());
    }
    // rows 0, 1 and 29 of the trace: 18:15:46.6805900, 18:15:50.9951690, 18:16:06.5945170
    assertThat(records.get(1).timestamp() - t0).isEqualTo(43);
    assertThat(records.get(29).timestamp() - t0).isEqualTo(199);
  }

  @Test
  void shouldContinueTheSequenceWhenRestartedOnTheSameStateFile() throws Exception {
    // Given a run that stopped after 100 events
    MockProducer<byte[], byte[]> first = autoAcking();
    Fleet run1 = runToEnd(config(FleetConfig.MAX_EVENTS, "100"), first);

    // When it is started again on the same file with a higher limit
    MockProducer<byte[], byte[]> second = autoAcking();
    Fleet run2 = runToEnd(config(FleetConfig.MAX_EVENTS, "250"), second);

    // Then it continues the same run at sequence 100
    assertThat(run2.runId()).isEqualTo(run1.runId());
    List<String> ids = new ArrayList<>();
    first.history().forEach(r -> ids.add(parse(r).eventId()));
    second.history().forEach(r -> ids.add(parse(r).eventId()));
    assertThat(ids).hasSize(250).doesNotHaveDuplicates();
    assertThat(parse(second.history().get(0)).eventId()).isEqualTo(run1.runId() + "-100");
    assertThat(savedState().nextSequence()).isEqualTo(250);
  }

  @Test
  void shouldStartANewRunWhenTheSeedChanges() throws Exception {
    // Given
    Fleet run1 = runToEnd(config(FleetConfig.MAX_EVENTS, "50"), autoAcking());

    // When
    MockProducer<byte[], byte[]> second = autoAcking();
    Fleet run2 = runToEnd(config(FleetConfig.MAX_EVENTS, "50", FleetConfig.SEED, "7"), second);

    // Then
    assertThat(run2.runId()).isNotEqualTo(run1.runId());
    assertThat(parse(second.history().get(0)).eventId()).isEqualTo(run2.runId() + "-0");
    assertThat(second.history()).hasSize(50);
  }

  @Test
  void shouldResendInFlightEventsUnchangedAfterACrash() throws Exception {
    // Given a run whose process dies during its third checkpoint (events 40 to 59 sent)
    MockProducer<byte[], byte[]> crashing =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          private int flushes;

          @Override
          public synchronized void flush() {
            if (++flushes == 3) {
              throw new IllegalArgumentException("simulated crash");
            }
            super.flush();
          }
        };
    Fleet crashed = Fleet.start(config(FleetConfig.MAX_EVENTS, "100"), crashing);
    assertThat(crashed.awaitTermination(Duration.ofSeconds(20))).isTrue();
    assertThat(crashed.error())
        .get()
        .extracting(Throwable::getMessage)
        .isEqualTo("simulated crash");
    assertThat(crashing.history()).hasSize(60);
    assertThat(savedState().nextSequence()).isEqualTo(40);

    // When a new process starts on the same state file
    MockProducer<byte[], byte[]> restarted = autoAcking();
    Fleet run2 = runToEnd(config(FleetConfig.MAX_EVENTS, "100"), restarted);

    // Then it first sends events 40 to 59 again, byte for byte, then continues with 60
    assertThat(run2.runId()).isEqualTo(crashed.runId());
    List<ProducerRecord<byte[], byte[]>> again = restarted.history();
    assertThat(again).hasSize(60);
    for (int i = 0; i < 20; i++) {
      ProducerRecord<byte[], byte[]> before = crashing.history().get(40 + i);
      ProducerRecord<byte[], byte[]> after = again.get(i);
      assertThat(after.key()).isEqualTo(before.key());
      assertThat(after.value()).isEqualTo(before.value());
      assertThat(after.timestamp()).isEqualTo(before.timestamp());
    }
    assertThat(parse(again.get(20)).eventId()).isEqualTo(crashed.runId() + "-60");
    assertThat(savedState().nextSequence()).isEqualTo(100);
  }

  @Test
  void shouldRetryFailedSendsWithTheSameEvent() throws Exception {
    // Given a producer that fails the first three records of its first flush
    MockProducer<byte[], byte[]> flaky =
        new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          private int toFail = 3;

          @Override
          public synchronized void flush() {
            while (toFail > 0 && errorNext(new TimeoutException("broker unavailable"))) {
              toFail--;
            }
            super.flush();
          }
        };

    // When
    Fleet fleet = runToEnd(config(FleetConfig.MAX_EVENTS, "30"), flaky);

    // Then the three are sent again unchanged and every event is acknowledged once
    List<ProducerRecord<byte[], byte[]>> records = flaky.history();
    assertThat(records).hasSize(33);
    assertThat(fleet.failed()).isEqualTo(3);
    assertThat(fleet.sent()).isEqualTo(30);
    for (int i = 0; i < 3; i++) {
      assertThat(records.get(20 + i).value()).isEqualTo(records.get(i).value());
    }
    assertThat(records.stream().map(r -> parse(r).eventId()).distinct()).hasSize(30);
    assertThat(savedState().nextSequence()).isEqualTo(30);
  }

  @Test
  void shouldCloseWithinSecondsWhileWaitingForTheNextEvent() throws Exception {
    // Given a fleet so slow that its second event is due in hours
    MockProducer<byte[], byte[]> producer = autoAcking();
    Fleet fleet = Fleet.start(config(FleetConfig.SPEED, "0.001"), producer);
    while (fleet.sent() < 1) {
      TimeUnit.MILLISECONDS.sleep(5);
    }

    // When
    long start = System.nanoTime();
    fleet.close();

    // Then
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    assertThat(fleet.isRunning()).isFalse();
    assertThat(producer.closed()).isTrue();
    assertThat(savedState().nextSequence()).isEqualTo(1);
    assertThat(savedState().inFlight()).isNull();
  }

  @Test
  void shouldCloseWithinSecondsWhenKafkaNeverAcknowledges() throws Exception {
    // Given a producer whose flush blocks until the producer is closed, then fails the sends
    CountDownLatch closed = new CountDownLatch(1);
    CountDownLatch flushing = new CountDownLatch(1);
    MockProducer<byte[], byte[]> stuck =
        new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          @Override
          public void flush() {
            flushing.countDown();
            try {
              closed.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            while (errorNext(new TimeoutException("producer closed"))) {
              // fail every pending send
            }
          }

          @Override
          public void close(Duration timeout) {
            closed.countDown();
            super.close(timeout);
          }
        };
    Fleet fleet = Fleet.start(config(FleetConfig.MAX_EVENTS, "10"), stuck);
    assertThat(flushing.await(10, TimeUnit.SECONDS)).isTrue();

    // When
    long start = System.nanoTime();
    fleet.close();

    // Then it gave up after its grace period and saved nothing as acknowledged
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    assertThat(fleet.isRunning()).isFalse();
    assertThat(fleet.sent()).isZero();
    assertThat(savedState().nextSequence()).isZero();
    assertThat(savedState().inFlight().end()).isEqualTo(10);
  }

  @Test
  void shouldCloseWithinSecondsWithAKafkaProducerAndNoBroker() throws Exception {
    // Given a fleet with its own KafkaProducer, pointed at a port where no broker listens
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Fleet fleet = Fleet.start(config(), Map.of("bootstrap.servers", "127.0.0.1:" + port));
    TimeUnit.MILLISECONDS.sleep(300);

    // When
    long start = System.nanoTime();
    fleet.close();

    // Then nothing was acknowledged and nothing is recorded as such
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    assertThat(fleet.isRunning()).isFalse();
    assertThat(fleet.sent()).isZero();
    assertThat(savedState().nextSequence()).isZero();
  }

  @Test
  void shouldCloseTheProducerWhenTheStateFileIsUnreadable() throws Exception {
    // Given
    Files.writeString(dir.resolve("state.json"), "not json");
    MockProducer<byte[], byte[]> producer = autoAcking();

    // When / Then
    assertThatThrownBy(() -> Fleet.start(config(), producer))
        .isInstanceOf(IllegalStateException.class);
    assertThat(producer.closed()).isTrue();
  }

  @Test
  void shouldNameItsTenantsAndModels() {
    assertThat(Fleet.tenantNames(5))
        .containsExactly("acme", "globex", "initech", "umbrella", "hooli");
    assertThat(Fleet.modelNames())
        .containsExactly(
            "llama-3.3-70b-instruct", "llama-3.3-70b-instruct-economy", "deepseek-v2.5");
  }
}
