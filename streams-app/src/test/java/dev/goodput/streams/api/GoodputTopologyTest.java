package dev.goodput.streams.api;

import static dev.goodput.streams.api.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import dev.goodput.streams.internal.ParseProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoodputTopologyTest {

  private static final Instant HOUR_10 = Instant.parse("2026-01-01T10:00:00Z");
  private static final Instant HOUR_11 = Instant.parse("2026-01-01T11:00:00Z");

  @TempDir Path stateDir;
  private TopologyFixture fx;

  @BeforeEach
  void start() {
    fx = new TopologyFixture(stateDir);
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  @Test
  void shouldBeOneSubTopologyReadingTheInputAndTheRepartitionTopic() {
    StreamsAppConfig config = new StreamsAppConfig(Map.of());
    TopologyDescription d =
        GoodputTopology.build(config, HistogramEdges.of(Catalog.EMPTY), EventObserver.NONE, 6)
            .describe();

    // Records already on their tenant's partition are accounted in the task that read them.
    assertThat(d.subtopologies()).hasSize(1);
    assertThat(d.subtopologies().iterator().next().nodes())
        .filteredOn(n -> n instanceof TopologyDescription.Source)
        .flatExtracting(n -> ((TopologyDescription.Source) n).topicSet())
        // (a description names internal topics without the application id)
        .containsExactlyInAnyOrder(
            Topics.REQUESTS.name(), GoodputTopology.tenantRepartitionTopic("").substring(1));
  }

  @Test
  void shouldPlaceATenantOnThePartitionKafkasProducerGivesItsKey() {
    for (String tenant : List.of("acme", "globex", "caf\u00e9 \"quoted\"/slash", "t-000917")) {
      for (int partitions : new int[] {1, 3, 6, 64}) {
        assertThat(ParseProcessor.partitionOf(tenant, partitions))
            .as("%s over %d", tenant, partitions)
            .isEqualTo(
                BuiltInPartitioner.partitionForKey(
                    tenant.getBytes(StandardCharsets.UTF_8), partitions));
      }
    }
  }

  @Test
  void shouldAccountEventsReadOffTheirTenantsPartitionThroughTheRepartitionTopic(
      @TempDir Path otherState) {
    int partitions = 4;
    List<String> tenants =
        List.of("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka");
    // The driver reads everything from partition 0: some tenants are local, the others move.
    assertThat(tenants)
        .anyMatch(t -> ParseProcessor.partitionOf(t, partitions) == 0)
        .anyMatch(t -> ParseProcessor.partitionOf(t, partitions) != 0);

    try (TopologyFixture four = new TopologyFixture(otherState, Map.of(), partitions)) {
      for (int i = 0; i < tenants.size(); i++) {
        String t = tenants.get(i);
        four.pipe(event(t + "-1", t, "m1", HOUR_10, 100 + i, 10));
        four.pipe(event(t + "-2", t, "m1", HOUR_10.plusSeconds(5), 1000, 20));
        four.pipe(event(t + "-1", t, "m1", HOUR_10, 100 + i, 10)); // a resend
      }

      Map<SeriesKey, SeriesTotals> totals = four.queries.totals();
      assertThat(totals).hasSize(tenants.size());
      for (int i = 0; i < tenants.size(); i++) {
        UsageCounters c = totals.get(new SeriesKey(tenants.get(i), "m1")).counters();
        assertThat(c.requests()).as(tenants.get(i)).isEqualTo(2);
        assertThat(c.inputTokens()).as(tenants.get(i)).isEqualTo(100 + i + 1000);
        assertThat(c.outputTokens()).as(tenants.get(i)).isEqualTo(30);
      }
      assertThat(four.queries.outcomes())
          .containsEntry(Outcome.ACCEPTED, 2L * tenants.size())
          .containsEntry(Outcome.DUPLICATE, (long) tenants.size());
    }
  }

  @Test
  void shouldAccountEachEventInTheUtcHourOfItsTimestamp() {
    // Given events on both sides of 11:00:00.000, the last millisecond of hour 10 included
    fx.pipe(event("a", "acme", "m1", HOUR_10, 100, 10));
    fx.pipe(event("b", "acme", "m1", HOUR_11.minusMillis(1), 200, 20));
    fx.pipe(event("c", "acme", "m1", HOUR_11, 400, 40));

    // When the tenant's hours are read
    List<HourlyUsage> rows =
        fx.queries.hourly("acme", HOUR_10.toEpochMilli(), HOUR_11.plusSeconds(3600).toEpochMilli());

    // Then the first two are in hour 10 and the third in hour 11
    assertThat(rows)
        .extracting(HourlyUsage::key, GoodputTopologyTest::base)
        .containsExactly(
            tuple(
                new UsageKey("acme", HOUR_10.toEpochMilli(), "m1"),
                counts(2, 2, 0, 0, 300, 0, 30, 0)),
            tuple(
                new UsageKey("acme", HOUR_11.toEpochMilli(), "m1"),
                counts(1, 1, 0, 0, 400, 0, 40, 0)));
    assertThat(fx.queries.totals()).containsOnlyKeys(new SeriesKey("acme", "m1"));
    assertThat(base(fx.queries.totals().get(new SeriesKey("acme", "m1")).counters()))
        .isEqualTo(counts(3, 3, 0, 0, 700, 0, 70, 0));
  }

  @Test
  void shouldKeepTenantsAndModelsApartWhateverTheRecordKey() {
    // Given the same hour for two tenants and two models, keyed by tenant, by nothing, and by junk
    InferenceEvent a = event("1", "acme", "m1", HOUR_10, 10, 1);
    InferenceEvent b = event("2", "acme", "m2", HOUR_10.plusSeconds(5), 20, 2);
    InferenceEvent c = event("3", "acme-corp", "m1", HOUR_10.plusSeconds(9), 40, 4);
    fx.requests.pipeInput("acme".getBytes(StandardCharsets.UTF_8), EventWriter.toJson(a));
    fx.requests.pipeInput(null, EventWriter.toJson(b));
    fx.requests.pipeInput(new byte[] {1, 2, 3}, EventWriter.toJson(c));

    // Then each tenant sees only its own rows, one per model
    assertThat(fx.queries.hourly("acme", 0, Long.MAX_VALUE))
        .extracting(h -> h.key().model(), GoodputTopologyTest::base)
        .containsExactly(
            tuple("m1", counts(1, 1, 0, 0, 10, 0, 1, 0)),
            tuple("m2", counts(1, 1, 0, 0, 20, 0, 2, 0)));
    assertThat(fx.queries.hourly("acme-corp", 0, Long.MAX_VALUE))
        .extracting(GoodputTopologyTest::base)
        .containsExactly(counts(1, 1, 0, 0, 40, 0, 4, 0));
    assertThat(fx.queries.hourly("acm", 0, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void shouldCountStatusesAndTokenSubsets() {
    InferenceEvent ok = event("1", "acme", "m", HOUR_10, 100, 10);
    InferenceEvent error =
        new InferenceEvent(
            "2",
            "acme",
            "m",
            HOUR_10.toEpochMilli(),
            Status.ERROR,
            50,
            30,
            0,
            0,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            Map.of());
    InferenceEvent cancelled =
        new InferenceEvent(
            "3",
            "acme",
            "m",
            HOUR_10.toEpochMilli(),
            Status.CANCELLED,
            70,
            0,
            9,
            4,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            Map.of());
    fx.pipe(ok);
    fx.pipe(error);
    fx.pipe(cancelled);

    assertThat(fx.queries.hourly("acme", 0, Long.MAX_VALUE))
        .extracting(GoodputTopologyTest::base)
        .containsExactly(counts(3, 1, 1, 1, 220, 30, 19, 4));
  }

  @Test
  void shouldSendMalformedRecordsToTheDeadLetterTopicWithReasonAndSourceAndKeepGoing() {
    // Given a valid event, a non-JSON record, an event breaking a cross-field rule, another valid
    // one
    byte[] notJson = "{oops".getBytes(StandardCharsets.UTF_8);
    byte[] crossField =
        ("{\"event_id\":\"x\",\"tenant\":\"acme\",\"model\":\"m\",\"timestamp_ms\":"
                + HOUR_10.toEpochMilli()
                + ",\"input_tokens\":5,\"cached_input_tokens\":6,\"output_tokens\":0,\"e2e_ms\":1}")
            .getBytes(StandardCharsets.UTF_8);
    fx.pipe(event("1", "acme", "m", HOUR_10, 10, 1));
    fx.requests.pipeInput("k1".getBytes(StandardCharsets.UTF_8), notJson, HOUR_10.toEpochMilli());
    fx.requests.pipeInput(null, crossField, HOUR_10.toEpochMilli());
    fx.pipe(event("2", "acme", "m", HOUR_10, 10, 1));

    // Then the two bad records are dead letters, byte for byte, with their reason and source
    List<TestRecord<byte[], byte[]>> dead = fx.deadLetters.readRecordsToList();
    assertThat(dead).hasSize(2);
    assertThat(dead.get(0).key()).isEqualTo("k1".getBytes(StandardCharsets.UTF_8));
    assertThat(dead.get(0).value()).isEqualTo(notJson);
    assertThat(header(dead.get(0), Topics.DeadLetters.ERROR)).startsWith("not valid JSON: ");
    assertThat(header(dead.get(0), Topics.DeadLetters.SOURCE_TOPIC))
        .isEqualTo("inference.requests.v1");
    assertThat(header(dead.get(0), Topics.DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
    assertThat(header(dead.get(0), Topics.DeadLetters.SOURCE_OFFSET)).isEqualTo("1");
    assertThat(dead.get(1).key()).isNull();
    assertThat(dead.get(1).value()).isEqualTo(crossField);
    assertThat(header(dead.get(1), Topics.DeadLetters.ERROR))
        .isEqualTo("cached_input_tokens (6) must not exceed input_tokens (5)");
    assertThat(header(dead.get(1), Topics.DeadLetters.SOURCE_OFFSET)).isEqualTo("2");

    // And the valid ones around them are counted, and every record has exactly one outcome
    assertThat(fx.queries.totals().get(new SeriesKey("acme", "m")).counters().requests())
        .isEqualTo(2);
    assertThat(fx.queries.outcomes())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                Outcome.ACCEPTED,
                2L,
                Outcome.REJECTED,
                2L,
                Outcome.DUPLICATE,
                0L,
                Outcome.EXPIRED,
                0L));
  }

  @Test
  void shouldRejectAnEventMoreThanFiveMinutesAheadOfTheWallClock() {
    fx.pipe(event("soon", "acme", "m", TopologyFixture.WALL_CLOCK.plusSeconds(300), 1, 1));
    fx.pipe(event("later", "acme", "m", TopologyFixture.WALL_CLOCK.plusSeconds(301), 1, 1));

    assertThat(fx.deadLetters.readRecordsToList())
        .extracting(r -> header(r, Topics.DeadLetters.ERROR))
        .containsExactly(
            "timestamp_ms 1767269101000 (2026-01-01T12:05:01Z) is more than 5 minutes ahead of"
                + " the wall clock (2026-01-01T12:00:00Z)");
    assertThat(fx.queries.outcomes())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                Outcome.ACCEPTED,
                1L,
                Outcome.REJECTED,
                1L,
                Outcome.DUPLICATE,
                0L,
                Outcome.EXPIRED,
                0L));
  }

  /** The request and token counts of a row, in contract order. */
  private static List<Long> counts(long... v) {
    return java.util.Arrays.stream(v).boxed().toList();
  }

  private static List<Long> base(UsageCounters c) {
    return counts(
        c.requests(),
        c.requestsOk(),
        c.requestsError(),
        c.requestsCancelled(),
        c.inputTokens(),
        c.cachedInputTokens(),
        c.outputTokens(),
        c.reasoningTokens());
  }

  private static List<Long> base(HourlyUsage h) {
    return base(h.counters());
  }

  private static String header(TestRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
