package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.PriceEntry;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chargeback ledger: one record per closed hour, a new revision after late events. */
class LedgerTopologyTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  // The driver's wall clock is 12:00; hour 11 closes at 12:00 and is written at 12:10.
  private static final Instant H10 = Instant.parse("2026-01-01T10:00:00Z");
  private static final Instant H11 = Instant.parse("2026-01-01T11:00:00Z");

  @TempDir Path stateDir;
  private TopologyFixture fx;

  @AfterEach
  void stop() {
    fx.close();
  }

  private static InferenceEvent event(String id, Instant at, long input) {
    return new InferenceEvent(
        id,
        "acme",
        "m",
        at.toEpochMilli(),
        Status.OK,
        input,
        0,
        10,
        0,
        50.0,
        500.0,
        null,
        null,
        null,
        null,
        null,
        null,
        Map.of());
  }

  @Test
  void shouldWriteEachHourOnceClosedAndANewRevisionAfterALateEvent() throws Exception {
    fx = new TopologyFixture(stateDir);
    fx.apply(
        new Catalog(
            List.of(
                new PriceEntry(
                    "m", null, H10, new BigDecimal("1.5"), null, new BigDecimal("2"), null, null)),
            List.of()));
    // Given two events in hour 10 (closed) and one in hour 11 (still within its grace)
    fx.pipe(event("a", H10.plusSeconds(1), 1000));
    fx.pipe(event("b", H10.plusSeconds(2), 2000));
    fx.pipe(event("c", H11.plusSeconds(3), 4000));

    // When the ledger runs
    fx.driver.advanceWallClockTime(Duration.ofSeconds(10));

    // Then hour 10 has its first revision, with the API's numbers, and hour 11 nothing yet
    List<TestRecord<String, byte[]>> first = fx.ledger.readRecordsToList();
    assertThat(first).hasSize(1);
    assertThat(first.get(0).key())
        .isEqualTo("{\"tenant\":\"acme\",\"model\":\"m\",\"start\":\"2026-01-01T10:00:00Z\"}");
    JsonNode r1 = JSON.readTree(first.get(0).value());
    assertThat(r1.get("revision").asLong()).isEqualTo(1);
    assertThat(r1.get("end").asText()).isEqualTo("2026-01-01T11:00:00Z");
    assertThat(r1.get("requests").asLong()).isEqualTo(2);
    assertThat(r1.get("input_tokens").asLong()).isEqualTo(3000);
    // (3000 x 1.5 + 20 x 2) / 1M
    assertThat(r1.get("cost").asText()).isEqualTo("0.004540");

    // When a late event of hour 10 arrives, and hour 11 closes
    fx.pipe(event("late", H10.plusSeconds(3000), 500));
    fx.driver.advanceWallClockTime(Duration.ofMinutes(10));

    // Then hour 10 gets revision 2 with the late event in it, hour 11 its first revision
    Map<String, JsonNode> latest = new HashMap<>();
    for (TestRecord<String, byte[]> r : fx.ledger.readRecordsToList()) {
      latest.put(r.key(), JSON.readTree(r.value()));
    }
    JsonNode r2 = latest.get(first.get(0).key());
    assertThat(r2.get("revision").asLong()).isEqualTo(2);
    assertThat(r2.get("requests").asLong()).isEqualTo(3);
    assertThat(r2.get("input_tokens").asLong()).isEqualTo(3500);
    JsonNode h11 =
        latest.get("{\"tenant\":\"acme\",\"model\":\"m\",\"start\":\"2026-01-01T11:00:00Z\"}");
    assertThat(h11.get("revision").asLong()).isEqualTo(1);
    assertThat(h11.get("input_tokens").asLong()).isEqualTo(4000);

    // And nothing more is written while nothing changes
    fx.driver.advanceWallClockTime(Duration.ofMinutes(5));
    assertThat(fx.ledger.readRecordsToList()).isEmpty();

    // When two more late events of hour 10 arrive between two ledger steps, then one after
    fx.pipe(event("late2", H10.plusSeconds(3001), 100));
    fx.pipe(event("late3", H10.plusSeconds(3002), 10));
    fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
    List<TestRecord<String, byte[]>> third = fx.ledger.readRecordsToList();
    fx.pipe(event("late4", H10.plusSeconds(3003), 1));
    fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
    List<TestRecord<String, byte[]>> fourth = fx.ledger.readRecordsToList();

    // Then each ledger step writes one new revision of hour 10 with every event so far
    assertThat(third).hasSize(1);
    JsonNode r3 = JSON.readTree(third.get(0).value());
    assertThat(r3.get("revision").asLong()).isEqualTo(3);
    assertThat(r3.get("input_tokens").asLong()).isEqualTo(3610);
    assertThat(fourth).hasSize(1);
    JsonNode r4 = JSON.readTree(fourth.get(0).value());
    assertThat(r4.get("revision").asLong()).isEqualTo(4);
    assertThat(r4.get("input_tokens").asLong()).isEqualTo(3611);
    r2 = r4;

    // And the latest revisions sum to what the API reports
    List<HourlyUsage> hours = fx.queries.hourly("acme", 0, Long.MAX_VALUE);
    assertThat(hours).extracting(h -> h.counters().inputTokens()).containsExactly(3611L, 4000L);
    assertThat(
            new BigDecimal(r2.get("cost").asText()).add(new BigDecimal(h11.get("cost").asText())))
        .isEqualByComparingTo(hours.get(0).counters().cost().add(hours.get(1).counters().cost()));
  }
}
