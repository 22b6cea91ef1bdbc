package dev.goodput.streams.api;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** The production topology in a {@link TopologyTestDriver}, with its topics and queries. */
public final class TopologyFixture implements AutoCloseable {

  /** The driver's wall clock: 2026-01-01T12:00:00Z. */
  public static final Instant WALL_CLOCK = Instant.parse("2026-01-01T12:00:00Z");

  public final TopologyTestDriver driver;
  public final TestInputTopic<byte[], byte[]> requests;
  public final TestOutputTopic<byte[], byte[]> deadLetters;
  public final TestOutputTopic<byte[], byte[]> expired;
  public final TestInputTopic<String, byte[]> catalog;
  public final TestOutputTopic<String, byte[]> ledger;
  public final UsageQueries queries;

  /** The state directory this fixture created and deletes on close, if it did. */
  private Path temporaryDir;

  /**
   * A fixture whose state lives in a temporary directory of its own, deleted on close: for property
   * tries, which get no {@code @TempDir}.
   */
  public static TopologyFixture inTemporaryDirectory(Map<String, String> settings)
      throws IOException {
    Path dir = Files.createTempDirectory("goodput-topology");
    TopologyFixture fx = new TopologyFixture(dir, settings);
    fx.temporaryDir = dir;
    return fx;
  }

  public TopologyFixture(Path stateDir) {
    this(stateDir, Map.of());
  }

  public TopologyFixture(Path stateDir, Map<String, String> settings) {
    this(stateDir, settings, 1);
  }

  /**
   * The topology built for an input topic of {@code partitions} partitions. The driver reads every
   * input record from partition 0, so events of tenants that hash to another partition take the
   * repartition topic, as records not keyed by tenant do on a real cluster.
   */
  public TopologyFixture(Path stateDir, Map<String, String> settings, int partitions) {
    Map<String, String> values = new java.util.HashMap<>(settings);
    values.put(StreamsAppConfig.STATE_DIR, stateDir.toString());
    StreamsAppConfig config = new StreamsAppConfig(values);
    Properties props = config.streamsProperties(Map.of("bootstrap.servers", "unused:9092"));
    driver =
        new TopologyTestDriver(
            GoodputTopology.build(
                config, HistogramEdges.of(Catalog.EMPTY), EventObserver.NONE, partitions),
            props,
            WALL_CLOCK);
    requests =
        driver.createInputTopic(
            Topics.REQUESTS.name(), new ByteArraySerializer(), new ByteArraySerializer());
    deadLetters =
        driver.createOutputTopic(
            Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    expired =
        driver.createOutputTopic(
            Topics.EXPIRED.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    catalog =
        driver.createInputTopic(
            Topics.CATALOG.name(), new StringSerializer(), new ByteArraySerializer());
    ledger =
        driver.createOutputTopic(
            Topics.CHARGEBACK.name(), new StringDeserializer(), new ByteArrayDeserializer());
    queries = new UsageQueries(this::readOnlyStore);
  }

  /** A store as queries see it (the usage stores are write-back stores, not key-value stores). */
  @SuppressWarnings("unchecked")
  private <K, V> ReadOnlyKeyValueStore<K, V> readOnlyStore(String name) {
    return (ReadOnlyKeyValueStore<K, V>) driver.getAllStateStores().get(name);
  }

  /**
   * Publishes catalog entries and lets the accounting step pick them up (it re-reads each second).
   */
  public void apply(Catalog c) {
    c.prices().forEach(p -> catalog.pipeInput(p.identity(), CatalogJson.toJson(p)));
    c.policies().forEach(p -> catalog.pipeInput(p.identity(), CatalogJson.toJson(p)));
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
  }

  /** An ok event with the given identity, time and token counts (TTFT 50 ms, E2E 500 ms). */
  public static InferenceEvent event(
      String id, String tenant, String model, Instant at, long input, long output) {
    return event(id, tenant, model, at, Status.OK, input, output, 50.0, 500.0);
  }

  /** An event with the given identity, time, status, token counts and latencies. */
  public static InferenceEvent event(
      String id,
      String tenant,
      String model,
      Instant at,
      Status status,
      long input,
      long output,
      Double ttftMs,
      Double e2eMs) {
    return event(id, tenant, model, at, status, input, 0, output, 0, ttftMs, e2eMs);
  }

  /** An event with the given identity, time, status, every token count and latencies. */
  public static InferenceEvent event(
      String id,
      String tenant,
      String model,
      Instant at,
      Status status,
      long input,
      long cachedInput,
      long output,
      long reasoning,
      Double ttftMs,
      Double e2eMs) {
    return new InferenceEvent(
        id,
        tenant,
        model,
        at.toEpochMilli(),
        status,
        input,
        cachedInput,
        output,
        reasoning,
        ttftMs,
        e2eMs,
        null,
        null,
        null,
        null,
        null,
        null,
        Map.of());
  }

  public void pipe(InferenceEvent e) {
    requests.pipeInput(e.tenant().getBytes(), EventWriter.toJson(e), e.timestampMs());
  }

  @Override
  public void close() {
    // The driver empties its state directory; a directory this fixture created is its own to
    // delete.
    driver.close();
    if (temporaryDir != null) {
      try {
        Files.deleteIfExists(temporaryDir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
