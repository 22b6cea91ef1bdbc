package dev.goodput.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import dev.goodput.streams.api.ApiConfig;
import dev.goodput.streams.api.GoodputTopology;
import dev.goodput.streams.api.StoreNames;
import dev.goodput.streams.api.StreamsAppConfig;
import dev.goodput.streams.api.Topics;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a real broker: events produced with a plain Kafka producer are read back through
 * the usage API and {@code /metrics}, and must equal a straightforward recomputation exactly.
 */
class PipelineIT {

  private static final List<String> TENANTS = List.of("acme", "globex", "t\u00e9nant \"q\"/x");
  private static final List<String> MODELS = List.of("llama-3.3-70b-instruct", "deepseek-v2.5");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void shouldRefuseToStartWhenTheInputAndRepartitionTopicsDifferInPartitions() throws Exception {
    try (TestKafka kafka = TestKafka.start(dir.resolve("kafka-grown"))) {
      Map<String, String> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
      String repartition = GoodputTopology.tenantRepartitionTopic("grown");
      try (Admin admin = Admin.create(Map.<String, Object>copyOf(clients))) {
        admin.createTopics(List.of(new NewTopic(repartition, 2, (short) 1))).all().get();
      }
      StreamsAppConfig config =
          new StreamsAppConfig(
              Map.of(
                  StreamsAppConfig.APPLICATION_ID, "grown",
                  StreamsAppConfig.TOPIC_PARTITIONS, "3",
                  StreamsAppConfig.STATE_DIR, dir.resolve("state-grown").toString()));

      assertThatThrownBy(() -> Pipeline.ensureTopics(clients, config))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(
              Topics.REQUESTS.name() + " has 3 partitions but " + repartition + " has 2");
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shouldServeExactUsageAndMetricsForEventsProducedToKafka() throws Exception {
    try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"));
        Pipeline pipeline = startPipeline(kafka.bootstrapServers())) {
      // Given 600 events over three hours, three tenants (one with quotes, a slash and unicode),
      // two models, all statuses, keyed by tenant, by nothing, or by junk; and 7 malformed records
      Instant hour0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);
      List<InferenceEvent> events = randomEvents(600, hour0, new SplittableRandom(42));
      List<byte[]> malformed = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        malformed.add(
            ("{\"event_id\":\"bad-" + i + "\",\"tenant\":\"acme\"}")
                .getBytes(StandardCharsets.UTF_8));
      }
      // And prices applied to the running pipeline (as `goodput config apply` does), the catalog
      // being re-read every second
      Catalog prices =
          CatalogJson.parse(
              ("prices:\n"
                      + "  - {model: llama-3.3-70b-instruct, effective_from: 2020-01-01T00:00:00Z,"
                      + " input: 0.60, cached_input: 0.15, output: 0.80, reasoning: 2.5}\n"
                      + "  - {model: '*', tenant: acme, effective_from: 2020-01-01T00:00:00Z,"
                      + " input: 0.5, output: 0.7, request: 0.0001}\n")
                  .getBytes(StandardCharsets.UTF_8),
              "test prices");
      assertThat(
              CatalogPublisher.publish(
                  Map.of("bootstrap.servers", kafka.bootstrapServers()), prices))
          .isEqualTo(2);
      Thread.sleep(2_500);
      produce(kafka.bootstrapServers(), events, malformed);

      // When the pipeline has read all 607 records
      awaitMetric(pipeline.apiUri(), 607);

      // Then each tenant's hourly and total usage equals a recomputation from the events
      for (String tenant : TENANTS) {
        JsonNode report =
            getJson(pipeline.apiUri(), tenant, hour0, hour0.plus(3, ChronoUnit.HOURS), "hour");
        Map<String, long[]> expected = expectedRows(events, tenant);
        Map<String, long[]> actual = new TreeMap<>();
        for (JsonNode row : report.get("rows")) {
          actual.put(row.get("start").asText() + " " + row.get("model").asText(), counters(row));
        }
        assertThat(actual).as(tenant).containsOnlyKeys(expected.keySet());
        expected.forEach(
            (k, v) -> assertThat(actual.get(k)).as(tenant + " " + k).containsExactly(v));
        long[] total = new long[8];
        expected.values().forEach(v -> add(total, v));
        assertThat(counters(report.get("totals"))).as(tenant + " totals").containsExactly(total);

        // And the tenant's exact cost is the recomputed one, to the last digit
        BigDecimal cost = BigDecimal.ZERO;
        for (InferenceEvent e : events) {
          if (e.tenant().equals(tenant)) {
            cost = cost.add(expectedCost(e));
          }
        }
        assertThat(new BigDecimal(report.get("totals").get("cost").asText()))
            .as(tenant + " cost")
            .isEqualByComparingTo(cost);
      }

      // And /metrics serves the same totals per tenant and model, and the outcome counts
      String metrics = get(pipeline.apiUri().resolve("/metrics")).body();
      for (String tenant : TENANTS) {
        for (String model : MODELS) {
          long[] sum = new long[8];
          for (InferenceEvent e : events) {
            if (e.tenant().equals(tenant) && e.model().equals(model)) {
              add(sum, of(e));
            }
          }
          // The exporter writes tenant, model, then the family's own label.
          String series = "tenant=\"" + escape(tenant) + "\",model=\"" + model + "\"";
          assertThat(sample(metrics, "inference_input_tokens_total{" + series + "}"))
              .isEqualTo(sum[4]);
          assertThat(sample(metrics, "inference_output_tokens_total{" + series + "}"))
              .isEqualTo(sum[6]);
          assertThat(sample(metrics, "inference_requests_total{" + series + ",status=\"ok\"}"))
              .isEqualTo(sum[1]);
          assertThat(
                  sample(metrics, "inference_requests_total{" + series + ",status=\"cancelled\"}"))
              .isEqualTo(sum[3]);
        }
      }
      assertThat(sample(metrics, "goodput_events_total{outcome=\"accepted\"}")).isEqualTo(600);
      assertThat(sample(metrics, "goodput_events_total{outcome=\"rejected\"}")).isEqualTo(7);
      assertThat(metrics).contains("jvm_memory_used_bytes").contains("kafka_stream_");

      // And the malformed records are on the dead-letter topic with a reason
      List<ConsumerRecord<byte[], byte[]>> dead =
          readAll(kafka.bootstrapServers(), Topics.DEAD_LETTERS.name(), 7);
      assertThat(dead).hasSize(7);
      assertThat(dead)
          .allSatisfy(
              r ->
                  assertThat(
                          new String(
                              r.headers().lastHeader(Topics.DeadLetters.ERROR).value(),
                              StandardCharsets.UTF_8))
                      .isEqualTo("missing required field \"model\""));

      // And the chargeback ledger, read with read_committed keeping the latest revision of each
      // tenant, model and hour, adds up to the API's numbers for every tenant
      Instant to = hour0.plus(3, ChronoUnit.HOURS);
      assertLedgerEqualsApi(kafka.bootstrapServers(), pipeline.apiUri(), hour0, to);

      // And still does after a late event makes a new revision of an hour already written
      InferenceEvent late =
          new InferenceEvent(
              "late-1",
              "acme",
              MODELS.get(0),
              hour0.toEpochMilli() + 7,
              Status.OK,
              1234,
              0,
              56,
              0,
              100.0,
              2000.0,
              null,
              null,
              null,
              null,
              null,
              null,
              Map.of());
      produce(kafka.bootstrapServers(), List.of(late), List.of());
      awaitMetric(pipeline.apiUri(), 608);
      assertLedgerEqualsApi(kafka.bootstrapServers(), pipeline.apiUri(), hour0, to);

      // And the dedup stores were opened with a bloom filter over their memtables and filters on
      // every level (dedup-ids with 64 MiB memtables whose filters are a fortieth of them, the old
      // dedup-buckets with Kafka Streams' 16 MiB and a tenth), the other stores with Kafka
      // Streams' settings (RocksDB writes the options each instance was opened with)
      Map<String, List<String>> dedupOptions =
          Map.of(
              StoreNames.DEDUP_IDS,
              List.of("write_buffer_size=67108864", "memtable_prefix_bloom_size_ratio=0.025000"),
              StoreNames.DEDUP_BUCKETS,
              List.of("write_buffer_size=16777216", "memtable_prefix_bloom_size_ratio=0.100000"));
      for (Map.Entry<String, List<String>> dedup : dedupOptions.entrySet()) {
        assertThat(rocksDbOptions(dir.resolve("streams"), dedup.getKey()))
            .isNotEmpty()
            .allSatisfy(
                o ->
                    assertThat(o)
                        .contains("memtable_whole_key_filtering=true")
                        .contains(dedup.getValue())
                        .contains("optimize_filters_for_hits=false"));
      }
      assertThat(rocksDbOptions(dir.resolve("streams"), StoreNames.USAGE_TOTALS))
          .isNotEmpty()
          .allSatisfy(
              o ->
                  assertThat(o)
                      .contains("memtable_whole_key_filtering=false")
                      .contains("optimize_filters_for_hits=true"));
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shouldResumeFromItsOwnStateAfterACleanRestart() throws Exception {
    try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"))) {
      // Given a pipeline that accounted 300 events and was stopped cleanly
      Instant hour0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
      Instant to = hour0.plus(2, ChronoUnit.HOURS);
      List<InferenceEvent> events = randomEvents(300, hour0, new SplittableRandom(11));
      Map<String, String> before = new TreeMap<>();
      try (Pipeline pipeline = startPipeline(kafka.bootstrapServers())) {
        produce(kafka.bootstrapServers(), events, List.of());
        awaitMetric(pipeline.apiUri(), events.size());
        for (String tenant : TENANTS) {
          before.put(tenant, getJson(pipeline.apiUri(), tenant, hour0, to, "hour").toString());
        }
        assertThat(pipeline.restoredRecords()).isZero();
      }

      // When it starts again on the same state directory
      try (Pipeline pipeline = startPipeline(kafka.bootstrapServers())) {
        // Then it answers the same, having restored nothing from the changelogs: under
        // exactly-once, a task whose stores lack a committed offset is wiped and restored whole
        for (String tenant : TENANTS) {
          assertThat(awaitUsage(pipeline.apiUri(), tenant, hour0, to))
              .isEqualTo(before.get(tenant));
        }
        assertThat(pipeline.restoredRecords()).isZero();
      }
    }
  }

  /** A tenant's hourly usage document once the API answers 200 (503 while starting); 60 s. */
  private static String awaitUsage(URI api, String tenant, Instant from, Instant to)
      throws Exception {
    URI uri = api.resolve(usagePath(tenant, from, to, "hour"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      HttpResponse<String> r = get(uri);
      if (r.statusCode() == 200) {
        return new ObjectMapper().readTree(r.body()).toString();
      }
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(System.nanoTime()).as("still 503 after 60 s: %s", r.body()).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** The RocksDB options files of every instance of store {@code store} under {@code stateDir}. */
  private static List<String> rocksDbOptions(Path stateDir, String store) throws IOException {
    try (Stream<Path> files = Files.walk(stateDir)) {
      List<String> out = new ArrayList<>();
      for (Path f :
          files
              .filter(f -> f.getFileName().toString().startsWith("OPTIONS-"))
              .filter(
                  f -> {
                    String instance = f.getParent().getFileName().toString();
                    return instance.equals(store) || instance.startsWith(store + ".");
                  })
              .toList()) {
        out.add(Files.readString(f));
      }
      return out;
    }
  }

  /**
   * Waits until the ledger's latest revisions add up to the usage API's totals for every tenant
   * (requests, input and output tokens, exact cost), then asserts it; fails after 30 s.
   */
  private static void assertLedgerEqualsApi(String bootstrap, URI api, Instant from, Instant to)
      throws Exception {
    Map<String, List<String>> fromApi = new TreeMap<>();
    for (String tenant : TENANTS) {
      JsonNode totals = getJson(api, tenant, from, to, "total").get("totals");
      fromApi.put(tenant, ledgerView(totals));
    }
    Map<String, List<String>> fromLedger = Map.of();
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      fromLedger = ledgerTotals(bootstrap);
      if (fromLedger.equals(fromApi)) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(fromLedger).isEqualTo(fromApi);
  }

  private static List<String> ledgerView(JsonNode n) {
    return List.of(
        n.get("requests").asText(),
        n.get("input_tokens").asText(),
        n.get("output_tokens").asText(),
        new BigDecimal(n.get("cost").asText()).stripTrailingZeros().toPlainString());
  }

  /** Per tenant: the sums over the latest revision of each ledger key, read read_committed. */
  private static Map<String, List<String>> ledgerTotals(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, JsonNode> latest = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          c.partitionsFor(Topics.CHARGEBACK.name()).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(java.time.Duration.ofMillis(200))) {
          JsonNode v = new ObjectMapper().readTree(r.value());
          String key = new String(r.key(), StandardCharsets.UTF_8);
          JsonNode before = latest.get(key);
          if (before == null || before.get("revision").asLong() < v.get("revision").asLong()) {
            latest.put(key, v);
          }
        }
      }
    }
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, BigDecimal> cost = new TreeMap<>();
    for (JsonNode v : latest.values()) {
      String tenant = v.get("tenant").asText();
      long[] c = counts.computeIfAbsent(tenant, t -> new long[3]);
      c[0] += v.get("requests").asLong();
      c[1] += v.get("input_tokens").asLong();
      c[2] += v.get("output_tokens").asLong();
      cost.merge(tenant, new BigDecimal(v.get("cost").asText()), BigDecimal::add);
    }
    Map<String, List<String>> out = new TreeMap<>();
    counts.forEach(
        (tenant, c) ->
            out.put(
                tenant,
                List.of(
                    Long.toString(c[0]),
                    Long.toString(c[1]),
                    Long.toString(c[2]),
                    cost.get(tenant).stripTrailingZeros().toPlainString())));
    return out;
  }

  private Pipeline startPipeline(String bootstrap) {
    StreamsAppConfig streams =
        new StreamsAppConfig(
            Map.of(
                StreamsAppConfig.STATE_DIR, dir.resolve("streams").toString(),
                StreamsAppConfig.TOPIC_PARTITIONS, "3",
                StreamsAppConfig.TOPIC_REPLICATION_FACTOR, "1",
                StreamsAppConfig.LEDGER_GRACE_MS, "0",
                StreamsAppConfig.LEDGER_INTERVAL_MS, "500"));
    ApiConfig api = new ApiConfig(Map.of(ApiConfig.PORT, "0"));
    return Pipeline.start(Map.of("bootstrap.servers", bootstrap), streams, api);
  }

  static List<InferenceEvent> randomEvents(int n, Instant hour0, SplittableRandom random) {
    return randomEvents(n, hour0, random, TENANTS, "ev-");
  }

  /** {@code n} valid events over three hours from {@code hour0}, with ids {@code prefix + i}. */
  static List<InferenceEvent> randomEvents(
      int n, Instant hour0, SplittableRandom random, List<String> tenants, String prefix) {
    List<InferenceEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Status status = Status.values()[random.nextInt(10) < 8 ? 0 : 1 + random.nextInt(2)];
      long input = random.nextInt(4000);
      long cached = random.nextInt((int) input + 1);
      long output = status == Status.OK ? 1 + random.nextInt(800) : random.nextInt(50);
      long reasoning = random.nextInt((int) output + 1) / 2;
      double ttft = 20 + random.nextInt(2000);
      out.add(
          new InferenceEvent(
              prefix + i,
              tenants.get(random.nextInt(tenants.size())),
              MODELS.get(random.nextInt(MODELS.size())),
              hour0.toEpochMilli() + random.nextLong(3 * 3_600_000L),
              status,
              input,
              cached,
              output,
              reasoning,
              status == Status.OK ? ttft : null,
              status == Status.OK ? ttft + 25.0 * output : null,
              null,
              null,
              null,
              null,
              null,
              null,
              Map.of()));
    }
    return out;
  }

  static void produce(String bootstrap, List<InferenceEvent> events, List<byte[]> malformed) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      int i = 0;
      for (InferenceEvent e : events) {
        byte[] key =
            switch (i++ % 3) {
              case 0 -> e.tenant().getBytes(StandardCharsets.UTF_8);
              case 1 -> null;
              default -> ("junk-" + i).getBytes(StandardCharsets.UTF_8);
            };
        producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), key, EventWriter.toJson(e)));
      }
      for (byte[] m : malformed) {
        producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), null, m));
      }
      producer.flush();
    }
  }

  /** The cost of one event under the test prices, written out by hand (no pipeline code). */
  private static BigDecimal expectedCost(InferenceEvent e) {
    BigDecimal in = BigDecimal.valueOf(e.inputTokens() - e.cachedInputTokens());
    BigDecimal cached = BigDecimal.valueOf(e.cachedInputTokens());
    BigDecimal out = BigDecimal.valueOf(e.outputTokens() - e.reasoningTokens());
    BigDecimal reasoning = BigDecimal.valueOf(e.reasoningTokens());
    BigDecimal million = BigDecimal.valueOf(1_000_000);
    if (e.tenant().equals("acme")) {
      return in.add(cached)
          .multiply(new BigDecimal("0.5"))
          .add(out.add(reasoning).multiply(new BigDecimal("0.7")))
          .divide(million)
          .add(new BigDecimal("0.0001"));
    }
    if (e.model().equals("llama-3.3-70b-instruct")) {
      return in.multiply(new BigDecimal("0.60"))
          .add(cached.multiply(new BigDecimal("0.15")))
          .add(out.multiply(new BigDecimal("0.80")))
          .add(reasoning.multiply(new BigDecimal("2.5")))
          .divide(million);
    }
    return BigDecimal.ZERO;
  }

  /** tenant's expected hourly rows: "start model" to the 8 counters. */
  static Map<String, long[]> expectedRows(List<InferenceEvent> events, String tenant) {
    Map<String, long[]> out = new HashMap<>();
    for (InferenceEvent e : events) {
      if (!e.tenant().equals(tenant)) {
        continue;
      }
      String hour = Instant.ofEpochMilli(e.timestampMs()).truncatedTo(ChronoUnit.HOURS).toString();
      add(out.computeIfAbsent(hour + " " + e.model(), k -> new long[8]), of(e));
    }
    return out;
  }

  private static long[] of(InferenceEvent e) {
    return new long[] {
      1,
      e.status() == Status.OK ? 1 : 0,
      e.status() == Status.ERROR ? 1 : 0,
      e.status() == Status.CANCELLED ? 1 : 0,
      e.inputTokens(),
      e.cachedInputTokens(),
      e.outputTokens(),
      e.reasoningTokens()
    };
  }

  private static void add(long[] into, long[] v) {
    for (int i = 0; i < into.length; i++) {
      into[i] += v[i];
    }
  }

  static long[] counters(JsonNode n) {
    String[] names = {
      "requests",
      "requests_ok",
      "requests_error",
      "requests_cancelled",
      "input_tokens",
      "cached_input_tokens",
      "output_tokens",
      "reasoning_tokens"
    };
    long[] out = new long[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = n.get(names[i]).asLong();
    }
    return out;
  }

  private static JsonNode getJson(
      URI api, String tenant, Instant from, Instant to, String granularity) throws Exception {
    HttpResponse<String> r = get(URI.create(api + usagePath(tenant, from, to, granularity)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body());
  }

  private static String usagePath(String tenant, Instant from, Instant to, String granularity) {
    return "/v1/tenants/"
        + java.net.URLEncoder.encode(tenant, StandardCharsets.UTF_8).replace("+", "%20")
        + "/usage?from="
        + from
        + "&to="
        + to
        + "&granularity="
        + granularity;
  }

  static HttpResponse<String> get(URI uri) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until goodput_events_total over all outcomes reaches {@code records}. */
  private static void awaitMetric(URI api, long records) throws Exception {
    long seen = -1;
    while (seen < records) {
      Thread.sleep(200);
      String body = get(api.resolve("/metrics")).body();
      Matcher m = Pattern.compile("(?m)^goodput_events_total\\{[^}]*} (\\S+)$").matcher(body);
      seen = 0;
      while (m.find()) {
        seen += (long) Double.parseDouble(m.group(1));
      }
    }
    assertThat(seen).isEqualTo(records);
  }

  /** The value of one exposition line, e.g. {@code name{labels} 12.0}. */
  private static long sample(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) {
        return (long) Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no sample " + series + " in /metrics");
  }

  private static String escape(String labelValue) {
    return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(
      String bootstrap, String topic, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        c.poll(java.time.Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
