package dev.goodput.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.ParseResult;
import dev.goodput.ingest.api.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {

  private static final long NOW_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final int N = 20_000;
  private static final FleetData DATA = FleetData.bundled();

  private static EventGenerator generator(long seed, int tenants, double error, double cancel) {
    return new EventGenerator(DATA, "run-a", seed, tenants, error, cancel);
  }

  private static List<InferenceEvent> events(EventGenerator g, int count) {
    List<InferenceEvent> out = new ArrayList<>(count);
    for (int s = 0; s < count; s++) {
      out.add(g.event(s, NOW_MS - count + s));
    }
    return out;
  }

  /** Passes when an observed count is within 4.5 binomial standard deviations of n * p. */
  private static void assertBinomial(String what, long observed, int n, double p) {
    double sd = Math.sqrt(n * p * (1 - p));
    assertThat((double) observed).as(what).isCloseTo(n * p, within(4.5 * sd));
  }

  @Test
  void shouldGenerateOnlyEventsTheStrictParserAccepts() {
    // Given a generator with high error and cancel ratios, so every shape of event occurs
    EventGenerator g = generator(7, 8, 0.1, 0.2);

    // When 20,000 events are written and parsed back
    for (InferenceEvent e : events(g, N)) {
      ParseResult parsed = EventParser.parse(EventWriter.toJson(e), NOW_MS);

      // Then each is valid and reads back equal
      assertThat(parsed).isInstanceOf(ParseResult.Valid.class);
      assertThat(((ParseResult.Valid) parsed).event()).isEqualTo(e);
    }
  }

  @Test
  void shouldAssignTenantsWithServeGenSkew() {
    for (int tenants : new int[] {5, 8}) {
      // Given
      EventGenerator g = generator(11, tenants, 0.01, 0.02);

      // When
      Map<String, Long> counts = new HashMap<>();
      events(g, N).forEach(e -> counts.merge(e.tenant(), 1L, Long::sum));

      // Then each tenant's count matches its ServeGen weight among the first N
      List<Tenants.Tenant> expected = DATA.tenants().first(tenants);
      assertThat(counts).hasSize(tenants);
      for (int i = 0; i < tenants; i++) {
        String name = expected.get(i).name();
        assertBinomial(
            name + " of " + tenants, counts.get(name), N, DATA.tenants().share(i, tenants));
      }
    }
  }

  @Test
  void shouldMixModelsAsDocumented() {
    // Given
    EventGenerator g = generator(12, 8, 0.01, 0.02);

    // When
    Map<String, Long> counts = new HashMap<>();
    events(g, N).forEach(e -> counts.merge(e.model(), 1L, Long::sum));

    // Then
    assertThat(counts).hasSize(3);
    assertBinomial("llama", counts.get("llama-3.3-70b-instruct"), N, 0.55);
    assertBinomial("economy", counts.get("llama-3.3-70b-instruct-economy"), N, 0.25);
    assertBinomial("deepseek", counts.get("deepseek-v2.5"), N, 0.20);
  }

  @Test
  void shouldEndRequestsInErrorAndCancelledAtTheConfiguredRatios() {
    // Given
    EventGenerator g = generator(13, 8, 0.03, 0.07);

    // When
    Map<Status, Long> counts = new HashMap<>();
    events(g, N).forEach(e -> counts.merge(e.status(), 1L, Long::sum));

    // Then
    assertBinomial("error", counts.get(Status.ERROR), N, 0.03);
    assertBinomial("cancelled", counts.get(Status.CANCELLED), N, 0.07);
    assertBinomial("ok", counts.get(Status.OK), N, 0.90);
  }

  @Test
  void shouldCarryTheTokenCountsOfTheTraceRows() {
    // Given the trace rows, read independently, and more events than rows (the replay wraps)
    List<String[]> rows = BundledCsv.rows("azure-llm-2023/conv-first-5000.csv");
    EventGenerator g = generator(14, 8, 0.05, 0.05);
    Set<Status> seen = new HashSet<>();

    // When / Then
    for (int s = 0; s < 12_000; s++) {
      InferenceEvent e = g.event(s, NOW_MS);
      String[] row = rows.get(s % rows.size());
      long generated = Long.parseLong(row[2]);
      seen.add(e.status());
      assertThat(e.inputTokens()).isEqualTo(Long.parseLong(row[1]));
      assertThat(e.cachedInputTokens()).isZero();
      assertThat(e.reasoningTokens()).isZero();
      assertThat(e.attributes()).containsEntry("trace_row", Integer.toString(s % rows.size()));
      switch (e.status()) {
        case OK -> assertThat(e.outputTokens()).isEqualTo(generated);
        case CANCELLED -> assertThat(e.outputTokens()).isBetween(0L, generated - 1);
        case ERROR -> assertThat(e.outputTokens()).isZero();
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(Status.values());
  }

  @Test
  void shouldTakeLatenciesFromMeasuredRequestsScaledToTheOutputLength() {
    // Given each model's measured requests with at least 2 output tokens, read independently
    Map<String, List<double[]>> measured = new HashMap<>();
    for (ModelProfile m : DATA.models()) {
      List<double[]> ok = new ArrayList<>();
      for (String[] r : BundledCsv.rows("vllm-bench/" + m.name() + ".csv")) {
        int out = Integer.parseInt(r[2]);
        double ttft = Double.parseDouble(r[3]);
        if (out >= 2) {
          ok.add(new double[] {ttft, (Double.parseDouble(r[4]) - ttft) / (out - 1)});
        }
      }
      measured.put(m.name(), ok);
    }
    EventGenerator g = generator(15, 8, 0.05, 0.05);

    // When / Then every request that produced tokens has a measured TTFT and a measured TPOT;
    // one that produced none ended after a measured TTFT
    for (InferenceEvent e : events(g, 5_000)) {
      List<double[]> candidates = measured.get(e.model());
      long out = e.outputTokens();
      boolean fromMeasurement =
          out == 0
              ? e.ttftMs() == null && candidates.stream().anyMatch(m -> m[0] == e.e2eMs())
              : candidates.stream()
                  .anyMatch(
                      m ->
                          m[0] == e.ttftMs()
                              && Math.abs(e.e2eMs() - (m[0] + m[1] * (out - 1))) <= 6e-4);
      assertThat(fromMeasurement).as("latencies of %s", e).isTrue();
    }
  }

  @Test
  void shouldGiveEveryEventItsOwnIdFromRunAndSequence() {
    // Given
    EventGenerator g = generator(16, 8, 0.01, 0.02);

    // When
    List<InferenceEvent> events = events(g, N);

    // Then
    assertThat(events).extracting(InferenceEvent::eventId).doesNotHaveDuplicates();
    assertThat(events.get(0).eventId()).isEqualTo("run-a-0");
    assertThat(events.get(N - 1).eventId()).isEqualTo("run-a-" + (N - 1));
  }

  @Test
  void shouldGenerateTheSameEventsForTheSameSeedInAnyOrder() {
    // Given two generators with the same settings, and one with another seed
    EventGenerator a = generator(17, 8, 0.01, 0.02);
    EventGenerator b = generator(17, 8, 0.01, 0.02);
    EventGenerator other = generator(18, 8, 0.01, 0.02);
    SplittableRandom order = new SplittableRandom(99);

    // When sequence numbers are asked for in a random order
    int differences = 0;
    for (int i = 0; i < 2_000; i++) {
      long s = order.nextLong(1_000_000_000L);
      byte[] fromA = EventWriter.toJson(a.event(s, NOW_MS));
      byte[] fromB = EventWriter.toJson(b.event(s, NOW_MS));

      // Then the same seed gives the same bytes, another seed other requests
      assertThat(fromB).isEqualTo(fromA);
      if (!other.event(s, NOW_MS).equals(a.event(s, NOW_MS))) {
        differences++;
      }
    }
    assertThat(a.contentId()).isEqualTo(b.contentId()).isNotEqualTo(other.contentId());
    assertThat(differences).isGreaterThan(1_500);
  }
}
