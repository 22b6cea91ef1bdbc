package dev.goodput.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.ApiConfig;
import dev.goodput.streams.api.NotReadyException;
import dev.goodput.streams.api.StreamsAppConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three instances of the application on one broker share the partitions. Every tenant's usage,
 * asked through every instance, must equal a recomputation exactly: while all three run, while one
 * is stopped and the others take over its partitions, and after it rejoins. In between, an answer
 * may be 503 with Retry-After, but never a different number.
 */
class ScaleOutIT {

  private static final int INSTANCES = 3;
  private static final int PARTITIONS = 6;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final Pipeline[] nodes = new Pipeline[INSTANCES];
  private int unavailable;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldAnswerEveryTenantExactlyThroughEveryInstanceAcrossAStopAndARejoin() throws Exception {
    List<String> tenants = new ArrayList<>();
    for (int i = 0; i < 37; i++) {
      tenants.add("tenant-" + i);
    }
    tenants.add("caf\u00e9 \"quoted\"/slash");
    Instant hour0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);
    Instant from = hour0;
    Instant to = hour0.plus(4, ChronoUnit.HOURS);
    List<InferenceEvent> events =
        new ArrayList<>(
            PipelineIT.randomEvents(1500, hour0, new SplittableRandom(7), tenants, "first-"));

    try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      try {
        for (int i = 0; i < INSTANCES; i++) {
          nodes[i] = start(bootstrap, i);
        }
        PipelineIT.produce(bootstrap, events, List.of());
        awaitProcessed(events.size());

        Map<String, String> bodies = answerEverywhere(tenants, events, from, to);

        // One instance stops; the other two take over its partitions. Nothing new is produced, so
        // every 200 in the meantime must be the very same document as before.
        nodes[2].close();
        nodes[2] = null;
        assertThat(answerEverywhere(tenants, events, from, to)).isEqualTo(bodies);

        // The two remaining instances keep processing.
        List<InferenceEvent> more =
            PipelineIT.randomEvents(700, hour0, new SplittableRandom(8), tenants, "second-");
        PipelineIT.produce(bootstrap, more, List.of());
        events.addAll(more);
        awaitProcessed(events.size());
        bodies = answerEverywhere(tenants, events, from, to);

        // It rejoins from its old state directory and is given partitions again.
        nodes[2] = start(bootstrap, 2);
        assertThat(answerEverywhere(tenants, events, from, to)).isEqualTo(bodies);
        awaitOwnsPartitions(nodes[2]);
        assertThat(answerEverywhere(tenants, events, from, to)).isEqualTo(bodies);
        System.out.printf(
            "scale-out: %d events, %d tenants, %d partitions; 503 answers while rebalancing: %d%n",
            events.size(), tenants.size(), PARTITIONS, unavailable);
      } finally {
        for (Pipeline p : nodes) {
          if (p != null) {
            p.close();
          }
        }
      }
    }
  }

  private Pipeline start(String bootstrap, int i) {
    StreamsAppConfig streams =
        new StreamsAppConfig(
            Map.of(
                StreamsAppConfig.STATE_DIR, dir.resolve("streams-" + i).toString(),
                StreamsAppConfig.TOPIC_PARTITIONS, Integer.toString(PARTITIONS),
                StreamsAppConfig.TOPIC_REPLICATION_FACTOR, "1"));
    return Pipeline.start(
        Map.of("bootstrap.servers", bootstrap),
        streams,
        new ApiConfig(Map.of(ApiConfig.PORT, "0")));
  }

  /**
   * Asks every running instance for every tenant's usage (and for all tenants) until each has
   * answered 200 once. Every 200 must equal the recomputation; 503s must carry Retry-After.
   *
   * @return each tenant's document (and "*" for all tenants), the same from every instance
   */
  private Map<String, String> answerEverywhere(
      List<String> tenants, List<InferenceEvent> events, Instant from, Instant to)
      throws Exception {
    Map<String, String> bodies = new LinkedHashMap<>();
    for (Pipeline node : nodes) {
      if (node == null) {
        continue;
      }
      for (String tenant : tenants) {
        String path =
            "/v1/tenants/"
                + URLEncoder.encode(tenant, StandardCharsets.UTF_8).replace("+", "%20")
                + "/usage?granularity=hour&from="
                + from
                + "&to="
                + to;
        String body = await(node.apiUri().resolve(path));
        assertRows(JSON.readTree(body).get("rows"), PipelineIT.expectedRows(events, tenant));
        String before = bodies.putIfAbsent(tenant, body);
        assertThat(before == null ? body : before)
            .as("instances agree on %s", tenant)
            .isEqualTo(body);
      }
      String all =
          await(node.apiUri().resolve("/v1/usage?granularity=total&from=" + from + "&to=" + to));
      assertAllTenants(JSON.readTree(all), tenants, events);
      String before = bodies.putIfAbsent("*", all);
      assertThat(before == null ? all : before).as("instances agree on all tenants").isEqualTo(all);
    }
    return bodies;
  }

  private String await(URI uri) throws Exception {
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> r = PipelineIT.get(uri);
      if (r.statusCode() == 200) {
        return r.body();
      }
      assertThat(r.statusCode()).as("%s: %s", uri, r.body()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).as(r.body()).hasValue("1");
      assertThat(attempt).as("still 503 after 60 s: %s", r.body()).isLessThan(300);
      unavailable++;
      Thread.sleep(200);
    }
  }

  private static void assertRows(JsonNode rows, Map<String, long[]> expected) {
    Map<String, long[]> actual = new HashMap<>();
    for (JsonNode row : rows) {
      actual.put(
          row.get("start").asText() + " " + row.get("model").asText(), PipelineIT.counters(row));
    }
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((k, v) -> assertThat(actual.get(k)).as(k).containsExactly(v));
  }

  private static void assertAllTenants(
      JsonNode doc, List<String> tenants, List<InferenceEvent> events) {
    Map<String, long[]> actual = new HashMap<>();
    for (JsonNode row : doc.get("rows")) {
      long[] sum = actual.computeIfAbsent(row.get("tenant").asText(), t -> new long[8]);
      long[] c = PipelineIT.counters(row);
      Arrays.setAll(sum, i -> sum[i] + c[i]);
    }
    for (String tenant : tenants) {
      long[] sum = new long[8];
      for (long[] c : PipelineIT.expectedRows(events, tenant).values()) {
        Arrays.setAll(sum, i -> sum[i] + c[i]);
      }
      assertThat(actual.get(tenant)).as(tenant).containsExactly(sum);
    }
    assertThat(actual).hasSize(tenants.size());
  }

  /** Waits until the instances together have decided the outcome of {@code records} records. */
  private void awaitProcessed(long records) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    long seen = -1;
    while (System.nanoTime() < deadline) {
      try {
        seen = 0;
        for (Pipeline node : nodes) {
          if (node != null) {
            seen += node.queries().outcomes().values().stream().mapToLong(Long::longValue).sum();
          }
        }
        if (seen == records) {
          return;
        }
      } catch (NotReadyException e) {
        seen = -1;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("outcomes of " + seen + " of " + records + " records after 120 s");
  }

  private static void awaitOwnsPartitions(Pipeline node) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      boolean owns =
          node.streams().metadataForLocalThreads().stream()
              .anyMatch(t -> !t.activeTasks().isEmpty());
      if (owns) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the rejoined instance owns no partition after 120 s");
  }
}
