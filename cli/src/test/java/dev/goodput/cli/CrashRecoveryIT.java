package dev.goodput.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.goodput.kafka.embedded.EmbeddedKafka;
import dev.goodput.streams.api.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code goodput run} process is SIGKILLed in the middle of a stream (streams application
 * and API die together, with a transaction open) and restarted on the same state directory, while a
 * producer re-sends whatever it was not sure of. The broker outlives it, as a Kafka cluster
 * outlives a pipeline instance. Afterwards every record of the input topic must have exactly one
 * outcome, and usage, cost and {@code /metrics} must equal a recomputation over the input topic as
 * it actually is, to the last token and the last decimal.
 *
 * <p>Not the whole {@code goodput demo} process: a single embedded node killed inside a commit can
 * lose the commit markers of that transaction on some partitions (README, "Architecture"), which no
 * pipeline can repair, so that test failed now and then for a broker defect.
 */
class CrashRecoveryIT {

  private static final List<String> TENANTS = List.of("acme", "globex", "initech");
  private static final String LLAMA = "crash-llama-70b";
  private static final String QWEN = "crash-qwen-32b";
  private static final String MISTRAL = "crash-mistral-7b";
  private static final List<String> MODELS = List.of(LLAMA, QWEN, MISTRAL);
  private static final int EVENTS = 3_000;
  private static final long KILL_AFTER_PROCESSED = 500;
  private static final long SLO_TTFT_MS = 800;
  private static final long SLO_TPOT_MS = 30;
  private static final String APPLICATION_ID = "goodput";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-z_]+)\\{([^}]*)} (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  @TempDir Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void shouldCountEveryRecordExactlyOnceWhenKilledMidStreamAndRestartedOnTheSameState()
      throws Exception {
    long seed = Long.getLong("goodput.test.seed", System.nanoTime());
    System.out.println(
        "CrashRecoveryIT seed " + seed + " (replay: -Dgoodput.test.seed=" + seed + ")");
    long startNanos = System.nanoTime();
    List<PipelineProcess> runs = new ArrayList<>();
    Thread feedThread = null;
    EmbeddedKafka kafka = null;
    try {
      // Given a price catalog with a tenant contract, an effective-dated price change and an
      // unpriced model, and one SLO policy, in the config file of the pipeline
      Instant now = Instant.now();
      Instant hour0 = now.truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);
      List<Price> prices = prices(hour0.plus(90, ChronoUnit.MINUTES));
      // And a broker that outlives the pipeline
      kafka =
          EmbeddedKafka.start(
              dir.resolve("kafka"), 0, new PrintStream(OutputStream.nullOutputStream()));
      String bootstrap = kafka.bootstrapServers();
      int apiPort = freePort();
      Path config = dir.resolve("goodput.yaml");
      Files.writeString(
          config,
          configYaml(prices, bootstrap, apiPort, dir.resolve("state")),
          StandardCharsets.UTF_8);
      String classPath = PipelineProcess.snapshotClassPath(dir.resolve("classpath"));

      // And 3,000 records over three tenants, three models and all statuses, with exact
      // duplicates, event_ids reused by another tenant, expired events and malformed records
      Generated generated = generate(new SplittableRandom(seed), hour0, now.toEpochMilli());

      // And the pipeline running, with a producer streaming the records to the broker
      PipelineProcess first =
          PipelineProcess.start(
              "run #1", classPath, config, apiPort, bootstrap, dir.resolve("run-1.out"));
      runs.add(first);
      first.await("/readyz", Duration.ofSeconds(90));
      long firstReadyMs = millisSince(startNanos);
      ResendingProducer feed =
          new ResendingProducer(bootstrap, generated.records(), 2_000, 25, 30, 50);
      feedThread = new Thread(feed, "crash-it-producer");
      feedThread.setDaemon(true);
      feedThread.start();

      // When the process is SIGKILLed once it has processed more than 500 records
      long processedAtKill = awaitProcessedMoreThan(first, KILL_AFTER_PROCESSED);
      int sentAtKill = feed.sent();
      long killNanos = System.nanoTime();
      int exitCode = first.kill();
      feed.crashed.countDown();
      String timeWait = timeWaitSockets(apiPort);

      // And restarted on the same state directory and port, the producer re-sending, as soon as
      // the pipeline is back, what was never acknowledged and its last 25 acknowledged records,
      // then sending the rest
      PipelineProcess second =
          PipelineProcess.start(
              "run #2", classPath, config, apiPort, bootstrap, dir.resolve("run-2.out"));
      runs.add(second);
      second.await("/healthz", Duration.ofSeconds(90));
      long healthyAfterKillMs = millisSince(killNanos);
      feed.back.countDown();
      second.await("/readyz", Duration.ofSeconds(90));
      long readyAfterKillMs = millisSince(killNanos);
      feedThread.join(TimeUnit.SECONDS.toMillis(90));
      assertThat(feedThread.isAlive()).as("producer still sending after 90 s").isFalse();
      assertThat(feed.failureAfterRecovery()).as("a send after the restart failed").isNull();
      assertThat(feed.acked()).as("records acknowledged at least once").isEqualTo(EVENTS);

      // And the pipeline has read every record of the input topic
      List<ConsumerRecord<byte[], byte[]>> input =
          readAll(second.bootstrapServers(), Topics.REQUESTS.name());
      assertThat(input.size())
          .as(
              "records in the input topic: each generated one, the 25 re-sent acknowledged ones"
                  + " again, and perhaps some unacknowledged ones twice")
          .isBetween(EVENTS + 25, EVENTS + 25 + feed.resent());
      Expected expected = recompute(input, generated.byValue(), prices);
      awaitProcessed(second, input.size());
      awaitInputCommitted(second.bootstrapServers());
      long caughtUpAfterKillMs = millisSince(killNanos);
      // A record counted twice would still be on its way: give it time to show
      Thread.sleep(3_000);
      String metrics = getOk(second, "/metrics");

      // Then every record has exactly one outcome: accepted + duplicate + rejected + expired is
      // the number of records in the input topic, and each count is the recomputed one
      Map<String, Long> outcomes = outcomes(metrics);
      assertThat(outcomes.values().stream().mapToLong(Long::longValue).sum())
          .as("sum of goodput_events_total, records in the input topic: %d", input.size())
          .isEqualTo(input.size());
      assertThat(outcomes)
          .as("goodput_events_total by outcome")
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "accepted", expected.accepted,
                  "duplicate", expected.duplicate,
                  "rejected", expected.rejected,
                  "expired", expected.expired));

      // And each tenant's usage per model (requests by status, the four token counts, cost,
      // unpriced and good requests) equals the recomputation over first occurrences
      Instant to = hour0.plus(4, ChronoUnit.HOURS);
      for (String tenant : TENANTS) {
        JsonNode report =
            JSON.readTree(
                getOk(
                    second,
                    "/v1/tenants/"
                        + tenant
                        + "/usage?from="
                        + hour0
                        + "&to="
                        + to
                        + "&granularity=total"));
        Map<String, Usage> actual = new TreeMap<>();
        for (JsonNode row : report.get("rows")) {
          actual.put(row.get("model").asText(), Usage.of(row));
        }
        assertThat(actual)
            .as("usage of %s by model", tenant)
            .isEqualTo(expected.usage.getOrDefault(tenant, Map.of()));
      }

      // And /metrics serves the same requests by status and tokens per tenant and model
      assertThat(series(metrics, "inference_requests_total", "status"))
          .isEqualTo(expected.requestsByStatus());
      assertThat(series(metrics, "inference_input_tokens_total", null))
          .isEqualTo(expected.perSeries(Usage::input));
      assertThat(series(metrics, "inference_cached_input_tokens_total", null))
          .isEqualTo(expected.perSeries(Usage::cached));
      assertThat(series(metrics, "inference_output_tokens_total", null))
          .isEqualTo(expected.perSeries(Usage::output));
      assertThat(series(metrics, "inference_reasoning_tokens_total", null))
          .isEqualTo(expected.perSeries(Usage::reasoning));

      // And the dead-letter and expired topics hold each rejected or expired record exactly once
      assertThat(readAll(second.bootstrapServers(), Topics.DEAD_LETTERS.name()))
          .as("committed records on the dead-letter topic")
          .hasSize((int) expected.rejected);
      assertThat(readAll(second.bootstrapServers(), Topics.EXPIRED.name()))
          .as("committed records on the expired topic")
          .hasSize((int) expected.expired);

      System.out.printf(
          "CrashRecoveryIT: run #1 ready after %d ms; killed (exit %d) when it had processed %d"
              + " records and %d had been sent; producer abandoned at %d sent / %d acked and"
              + " re-sent %d unacknowledged and %d acknowledged; TIME_WAIT sockets on the ports"
              + " after the kill: %s; run #2 healthy %d ms, ready %d ms, caught up %d ms after"
              + " the kill. Input topic %d records"
              + " (%d generated, %d extra copies from re-sends): accepted %d, duplicate %d"
              + " (%d generated duplicates), rejected %d, expired %d. Test took %d ms.%n",
          firstReadyMs,
          exitCode,
          processedAtKill,
          sentAtKill,
          feed.sentAtRecovery(),
          feed.ackedAtRecovery(),
          feed.resent(),
          feed.resentAcked(),
          timeWait,
          healthyAfterKillMs,
          readyAfterKillMs,
          caughtUpAfterKillMs,
          input.size(),
          EVENTS,
          input.size() - EVENTS,
          expected.accepted,
          expected.duplicate,
          generated.duplicates(),
          expected.rejected,
          expected.expired,
          millisSince(startNanos));
    } catch (Throwable t) {
      for (PipelineProcess d : runs) {
        System.out.println("==== output of " + d.name() + " (pid " + d.pid() + ")");
        System.out.println(distinctTail(d.output()));
        d.diagnose();
      }
      throw t;
    } finally {
      if (feedThread != null) {
        feedThread.interrupt();
      }
      for (PipelineProcess d : runs) {
        d.close();
      }
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  // ---- the input ----

  private enum Kind {
    VALID,
    EXPIRED,
    MALFORMED
  }

  /** What the test generated for one distinct value: enough to recompute its accounting. */
  private record Spec(
      Kind kind,
      String tenant,
      String eventId,
      String model,
      long timestampMs,
      String status,
      long input,
      long cached,
      long output,
      long reasoning,
      long ttftMs,
      long e2eMs) {}

  private record Generated(
      List<ProducerRecord<byte[], byte[]>> records, Map<String, Spec> byValue, int duplicates) {}

  private static Generated generate(SplittableRandom random, Instant hour0, long nowMs) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    Map<String, Spec> byValue = new HashMap<>();
    List<byte[]> validSoFar = new ArrayList<>();
    List<Spec> validSpecs = new ArrayList<>();
    Set<String> tenantAndId = new HashSet<>();
    int duplicates = 0;
    for (int i = 0; i < EVENTS; i++) {
      int dice = random.nextInt(1000);
      byte[] value;
      Spec spec;
      if (dice < 15) {
        ObjectNode node =
            eventJson(fresh(random, "bad-" + i, hour0, random.nextLong(3 * 3_600_000L)));
        switch (i % 6) {
          case 0 -> node = null;
          case 1 -> {
            node.remove("model");
            node.remove("timestamp_ms");
          }
          case 2 -> node.put("cached_input_tokens", node.get("input_tokens").asLong() + 5);
          case 3 -> node.put("status", "exploded");
          case 4 -> {
            node.put("status", "ok");
            node.put("output_tokens", 10);
            node.put("reasoning_tokens", 0);
            node.put("ttft_ms", 100);
            node.remove("e2e_ms");
          }
          default -> node.put("timestamp_ms", nowMs + 3_600_000L);
        }
        value =
            node == null
                ? ("{\"event_id\": \"bad-" + i + "\", not json").getBytes(StandardCharsets.UTF_8)
                : bytes(node);
        spec = new Spec(Kind.MALFORMED, null, "bad-" + i, null, 0, null, 0, 0, 0, 0, 0, 0);
      } else if (dice < 25) {
        long fortyDaysAgo = nowMs - 40 * 24 * 3_600_000L;
        Spec e = fresh(random, "old-" + i, Instant.ofEpochMilli(fortyDaysAgo), 0);
        spec = withKind(e, Kind.EXPIRED);
        value = bytes(eventJson(spec));
      } else if (dice < 60 && !validSoFar.isEmpty()) {
        // An exact copy of an earlier event: a client retry after a lost acknowledgement
        int earlier = random.nextInt(validSoFar.size());
        value = validSoFar.get(earlier);
        spec = validSpecs.get(earlier);
        duplicates++;
      } else {
        Spec e = fresh(random, "ev-" + i, hour0, random.nextLong(3 * 3_600_000L));
        if (dice < 75 && !validSpecs.isEmpty()) {
          // The same event_id from another tenant is another event
          Spec other = validSpecs.get(random.nextInt(validSpecs.size()));
          String tenant = TENANTS.get((TENANTS.indexOf(other.tenant()) + 1) % TENANTS.size());
          if (!tenantAndId.contains(tenant + "\n" + other.eventId())) {
            e =
                new Spec(
                    Kind.VALID,
                    tenant,
                    other.eventId(),
                    e.model(),
                    e.timestampMs(),
                    e.status(),
                    e.input(),
                    e.cached(),
                    e.output(),
                    e.reasoning(),
                    e.ttftMs(),
                    e.e2eMs());
          }
        }
        tenantAndId.add(e.tenant() + "\n" + e.eventId());
        spec = e;
        value = bytes(eventJson(e));
        validSoFar.add(value);
        validSpecs.add(e);
      }
      byValue.put(new String(value, StandardCharsets.ISO_8859_1), spec);
      byte[] key =
          switch (i % 3) {
            case 0 -> spec.tenant() == null ? null : spec.tenant().getBytes(StandardCharsets.UTF_8);
            case 1 -> null;
            default -> ("junk-" + i).getBytes(StandardCharsets.UTF_8);
          };
      records.add(new ProducerRecord<>(Topics.REQUESTS.name(), key, value));
    }
    return new Generated(List.copyOf(records), Map.copyOf(byValue), duplicates);
  }

  private static Spec fresh(SplittableRandom random, String id, Instant base, long offsetMs) {
    int s = random.nextInt(100);
    String status = s < 80 ? "ok" : s < 92 ? "error" : "cancelled";
    long input = random.nextInt(4_001);
    long cached = random.nextInt((int) input + 1);
    long output = "ok".equals(status) ? 1 + random.nextInt(800) : random.nextInt(51);
    long reasoning = random.nextInt((int) output / 2 + 1);
    long ttft = 0;
    long e2e = 0;
    if ("ok".equals(status)) {
      ttft = 20 + random.nextInt(1_500);
      // About half of the requests miss the 30 ms TPOT target, some by exactly nothing
      e2e = ttft + random.nextInt((int) (2 * SLO_TPOT_MS * Math.max(output - 1, 1)) + 1);
    }
    return new Spec(
        Kind.VALID,
        TENANTS.get(random.nextInt(TENANTS.size())),
        id,
        MODELS.get(random.nextInt(MODELS.size())),
        base.toEpochMilli() + offsetMs,
        status,
        input,
        cached,
        output,
        reasoning,
        ttft,
        e2e);
  }

  private static Spec withKind(Spec e, Kind kind) {
    return new Spec(
        kind,
        e.tenant(),
        e.eventId(),
        e.model(),
        e.timestampMs(),
        e.status(),
        e.input(),
        e.cached(),
        e.output(),
        e.reasoning(),
        e.ttftMs(),
        e.e2eMs());
  }

  /** The event-v1 JSON of a spec, written here rather than by the product's own writer. */
  private static ObjectNode eventJson(Spec e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("v", 1);
    n.put("event_id", e.eventId());
    n.put("tenant", e.tenant());
    n.put("model", e.model());
    n.put("timestamp_ms", e.timestampMs());
    n.put("status", e.status());
    n.put("input_tokens", e.input());
    n.put("cached_input_tokens", e.cached());
    n.put("output_tokens", e.output());
    n.put("reasoning_tokens", e.reasoning());
    if ("ok".equals(e.status())) {
      n.put("ttft_ms", e.ttftMs());
      n.put("e2e_ms", e.e2eMs());
    }
    return n;
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- prices and the config file ----

  /** A price catalog entry; {@code null} optional prices take the contract's defaults. */
  private record Price(
      String model,
      String tenant,
      Instant from,
      BigDecimal input,
      BigDecimal cachedInput,
      BigDecimal output,
      BigDecimal reasoning,
      BigDecimal request) {

    String yaml() {
      StringBuilder sb = new StringBuilder();
      sb.append("  - model: \"").append(model).append("\"\n");
      if (tenant != null) {
        sb.append("    tenant: ").append(tenant).append('\n');
      }
      sb.append("    effective_from: ").append(from).append('\n');
      sb.append("    input: ").append(input.toPlainString()).append('\n');
      if (cachedInput != null) {
        sb.append("    cached_input: ").append(cachedInput.toPlainString()).append('\n');
      }
      sb.append("    output: ").append(output.toPlainString()).append('\n');
      if (reasoning != null) {
        sb.append("    reasoning: ").append(reasoning.toPlainString()).append('\n');
      }
      if (request != null) {
        sb.append("    request: ").append(request.toPlainString()).append('\n');
      }
      return sb.toString();
    }

    /** Cost per the contract, with this entry's defaults. */
    BigDecimal cost(Spec e) {
      BigDecimal cachedPrice = cachedInput == null ? input : cachedInput;
      BigDecimal reasoningPrice = reasoning == null ? output : reasoning;
      BigDecimal perMillion =
          BigDecimal.valueOf(e.input() - e.cached())
              .multiply(input)
              .add(BigDecimal.valueOf(e.cached()).multiply(cachedPrice))
              .add(BigDecimal.valueOf(e.output() - e.reasoning()).multiply(output))
              .add(BigDecimal.valueOf(e.reasoning()).multiply(reasoningPrice));
      return perMillion
          .divide(BigDecimal.valueOf(1_000_000))
          .add(request == null ? BigDecimal.ZERO : request);
    }
  }

  private static List<Price> prices(Instant qwenPriceChange) {
    Instant longAgo = Instant.parse("2025-01-01T00:00:00Z");
    return List.of(
        new Price(
            LLAMA,
            null,
            longAgo,
            new BigDecimal("0.61"),
            new BigDecimal("0.153"),
            new BigDecimal("0.79"),
            new BigDecimal("1.07"),
            new BigDecimal("0.000013")),
        new Price(
            QWEN, null, longAgo, new BigDecimal("0.29"), null, new BigDecimal("0.41"), null, null),
        new Price(
            QWEN,
            null,
            qwenPriceChange,
            new BigDecimal("0.35"),
            new BigDecimal("0.035"),
            new BigDecimal("0.47"),
            null,
            null),
        // acme's own contract beats every model's price; MISTRAL has no price for anyone else
        new Price(
            "*",
            "acme",
            longAgo,
            new BigDecimal("0.50"),
            null,
            new BigDecimal("0.70"),
            null,
            null));
  }

  /** The entry in effect: tenant beats model, an exact model beats *, then latest first. */
  private static Price priceFor(List<Price> prices, Spec e) {
    return prices.stream()
        .filter(p -> p.tenant() == null || p.tenant().equals(e.tenant()))
        .filter(p -> p.model().equals("*") || p.model().equals(e.model()))
        .filter(p -> p.from().toEpochMilli() <= e.timestampMs())
        .max(
            Comparator.comparing((Price p) -> p.tenant() != null)
                .thenComparing(p -> !p.model().equals("*"))
                .thenComparing(Price::from))
        .orElse(null);
  }

  private static String configYaml(
      List<Price> prices, String bootstrap, int apiPort, Path stateDir) {
    return "kafka:\n"
        + "  bootstrap.servers: \""
        + bootstrap
        + "\"\n"
        + "api:\n"
        + "  bind.address: 127.0.0.1\n"
        + "  port: "
        + apiPort
        + "\n"
        + "streams:\n"
        + "  state.dir: \""
        + stateDir
        + "\"\n"
        + "  topic.partitions: 3\n"
        // A killed instance never leaves the group: let the broker forget it quickly.
        + "  consumer.session.timeout.ms: 6000\n"
        + "  consumer.heartbeat.interval.ms: 1500\n"
        // Commit once a second: the kill lands inside an open transaction almost always (the path
        // under test), and sometimes inside a commit.
        + "  commit.interval.ms: 1000\n"
        + "prices:\n"
        + prices.stream().map(Price::yaml).collect(Collectors.joining())
        + "slo_policies:\n"
        + "  - model: \"*\"\n"
        + "    effective_from: 2025-01-01T00:00:00Z\n"
        + "    ttft_ms: "
        + SLO_TTFT_MS
        + "\n"
        + "    tpot_ms: "
        + SLO_TPOT_MS
        + "\n"
        + "    objective: 0.99\n";
  }

  // ---- the oracle ----

  /** One usage row's checked columns. Cost compares by value. */
  private record Usage(
      long requests,
      long ok,
      long error,
      long cancelled,
      long input,
      long cached,
      long output,
      long reasoning,
      long unpriced,
      long good,
      BigDecimal cost) {

    Usage {
      cost = cost.signum() == 0 ? BigDecimal.ZERO : cost.stripTrailingZeros();
    }

    static final Usage ZERO = new Usage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO);

    static Usage of(JsonNode row) {
      return new Usage(
          row.get("requests").asLong(),
          row.get("requests_ok").asLong(),
          row.get("requests_error").asLong(),
          row.get("requests_cancelled").asLong(),
          row.get("input_tokens").asLong(),
          row.get("cached_input_tokens").asLong(),
          row.get("output_tokens").asLong(),
          row.get("reasoning_tokens").asLong(),
          row.get("unpriced_requests").asLong(),
          row.get("good_requests").asLong(),
          new BigDecimal(row.get("cost").asText()));
    }

    Usage plus(Spec e, Price price) {
      boolean isOk = "ok".equals(e.status());
      boolean ttftGood = e.ttftMs() <= SLO_TTFT_MS;
      // TPOT = (e2e - ttft) / (output - 1) <= target, in integers: no rounding to argue about
      boolean tpotGood = e.output() < 2 || e.e2eMs() - e.ttftMs() <= SLO_TPOT_MS * (e.output() - 1);
      return new Usage(
          requests + 1,
          ok + (isOk ? 1 : 0),
          error + ("error".equals(e.status()) ? 1 : 0),
          cancelled + ("cancelled".equals(e.status()) ? 1 : 0),
          input + e.input(),
          cached + e.cached(),
          output + e.output(),
          reasoning + e.reasoning(),
          unpriced + (price == null ? 1 : 0),
          good + (isOk && ttftGood && tpotGood ? 1 : 0),
          price == null ? cost : cost.add(price.cost(e)));
    }
  }

  /** Outcome counts and usage recomputed from the input topic. */
  private static final class Expected {
    long accepted;
    long duplicate;
    long rejected;
    long expired;
    final Map<String, Map<String, Usage>> usage = new TreeMap<>();

    /** Expected samples of a family with tenant and model labels, keyed like {@link #series}. */
    Map<String, Long> perSeries(ToLongFunction<Usage> value) {
      Map<String, Long> out = new TreeMap<>();
      usage.forEach(
          (tenant, models) ->
              models.forEach((model, u) -> out.put(tenant + "|" + model, value.applyAsLong(u))));
      return out;
    }

    /** Expected samples of {@code inference_requests_total}, keyed "tenant|model|status". */
    Map<String, Long> requestsByStatus() {
      Map<String, Long> out = new TreeMap<>();
      usage.forEach(
          (tenant, models) ->
              models.forEach(
                  (model, u) -> {
                    out.put(tenant + "|" + model + "|ok", u.ok());
                    out.put(tenant + "|" + model + "|error", u.error());
                    out.put(tenant + "|" + model + "|cancelled", u.cancelled());
                  }));
      return out;
    }
  }

  /**
   * Replays the input topic: a malformed record is rejected, an old one expired, a valid one a
   * duplicate if its tenant and event_id came before, else accepted and accounted.
   */
  private static Expected recompute(
      List<ConsumerRecord<byte[], byte[]>> input, Map<String, Spec> byValue, List<Price> prices) {
    Expected x = new Expected();
    Map<String, String> firstValue = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : input) {
      String value = new String(r.value(), StandardCharsets.ISO_8859_1);
      Spec e = byValue.get(value);
      assertThat(e).as("a record in the input topic the test never sent").isNotNull();
      switch (e.kind()) {
        case MALFORMED -> x.rejected++;
        case EXPIRED -> x.expired++;
        case VALID -> {
          String previous = firstValue.putIfAbsent(e.tenant() + "\n" + e.eventId(), value);
          if (previous != null) {
            // Copies are byte-identical, so which copy counts cannot change any total
            assertThat(previous).isEqualTo(value);
            x.duplicate++;
          } else {
            x.accepted++;
            x.usage
                .computeIfAbsent(e.tenant(), t -> new TreeMap<>())
                .merge(
                    e.model(),
                    Usage.ZERO.plus(e, priceFor(prices, e)),
                    (a, b) -> a.plus(e, priceFor(prices, e)));
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    return x;
  }

  // ---- reading the pipeline ----

  private static Map<String, Long> outcomes(String metrics) {
    Map<String, Long> out = new TreeMap<>();
    Matcher m = SAMPLE.matcher(metrics);
    while (m.find()) {
      if (m.group(1).equals("goodput_events_total")) {
        out.put(labels(m.group(2)).get("outcome"), (long) Double.parseDouble(m.group(3)));
      }
    }
    return out;
  }

  /** Samples of a family with tenant and model labels, keyed "tenant|model[|extra]". */
  private static Map<String, Long> series(String metrics, String family, String extraLabel) {
    Map<String, Long> out = new TreeMap<>();
    Matcher m = SAMPLE.matcher(metrics);
    while (m.find()) {
      if (m.group(1).equals(family)) {
        Map<String, String> l = labels(m.group(2));
        String key =
            l.get("tenant")
                + "|"
                + l.get("model")
                + (extraLabel == null ? "" : "|" + l.get(extraLabel));
        out.put(key, (long) Double.parseDouble(m.group(3)));
      }
    }
    return out;
  }

  private static Map<String, String> labels(String labels) {
    Map<String, String> out = new HashMap<>();
    Matcher m = LABEL.matcher(labels);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  /** Sum of goodput_events_total, or -1 while the API is unreachable. */
  private static long processed(PipelineProcess pipeline) throws InterruptedException {
    try {
      HttpResponse<String> r = pipeline.get("/metrics");
      if (r.statusCode() != 200) {
        return -1;
      }
      return outcomes(r.body()).values().stream().mapToLong(Long::longValue).sum();
    } catch (IOException e) {
      return -1;
    }
  }

  private static long awaitProcessedMoreThan(PipelineProcess pipeline, long records)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      long n = processed(pipeline);
      if (n > records) {
        return n;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the pipeline did not process " + records + " records within 60 s");
  }

  /** Waits until the pipeline has processed exactly {@code records}; more fails at once. */
  private static void awaitProcessed(PipelineProcess pipeline, long records) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    long n = -1;
    while (System.nanoTime() < deadline) {
      n = processed(pipeline);
      assertThat(n)
          .as("records with an outcome; the input topic has %d", records)
          .isLessThanOrEqualTo(records);
      if (n == records) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "the pipeline processed " + n + " of " + records + " records within 90 s");
  }

  /** Waits until the application's committed offsets on the input topic are its end offsets. */
  private static void awaitInputCommitted(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    Map<TopicPartition, Long> end = endOffsets(bootstrap, Topics.REQUESTS.name());
    try (Admin admin = Admin.create(p)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Map<TopicPartition, Long> committed = Map.of();
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(APPLICATION_ID).partitionsToOffsetAndMetadata().get();
        committed = new HashMap<>();
        for (TopicPartition tp : end.keySet()) {
          OffsetAndMetadata o = offsets.get(tp);
          committed.put(tp, o == null ? -1L : o.offset());
        }
        if (committed.equals(end)) {
          return;
        }
        Thread.sleep(200);
      }
      throw new AssertionError("committed " + committed + " but the end offsets are " + end);
    }
  }

  private static String getOk(PipelineProcess pipeline, String path) throws Exception {
    // 503 means "not ready, retry" (a rebalance); anything else is an answer
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    HttpResponse<String> r;
    do {
      r = pipeline.get(path);
      if (r.statusCode() != 503) {
        break;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  // ---- reading topics ----

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
      List<TopicPartition> partitions =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      return new HashMap<>(c.endOffsets(partitions));
    }
  }

  /**
   * Every committed record of a topic, partition by partition in offset order (read_committed, up
   * to the last stable offset of each partition at the time of the call).
   */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
      List<TopicPartition> partitions =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .sorted(Comparator.comparingInt(TopicPartition::partition))
              .toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition =
          new TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
      partitions.forEach(tp -> byPartition.put(tp, new ArrayList<>()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("reading %s up to %s", topic, end).isLessThan(deadline);
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          byPartition.get(new TopicPartition(r.topic(), r.partition())).add(r);
        }
      }
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      byPartition.values().forEach(out::addAll);
      return out;
    }
  }

  // ---- small helpers ----

  /** The output's last 400 distinct lines: a retry loop can otherwise fill any tail. */
  private static String distinctTail(String output) {
    List<String> kept = new ArrayList<>();
    String previous = null;
    int repeats = 0;
    for (String line : output.split("\n", -1)) {
      // Log lines start with a 24-character timestamp
      String text = line.length() > 24 ? line.substring(24) : line;
      if (text.equals(previous)) {
        repeats++;
        continue;
      }
      if (repeats > 0) {
        kept.add("    (the line above " + repeats + " more times)");
      }
      kept.add(line);
      previous = text;
      repeats = 0;
    }
    return String.join("\n", kept.subList(Math.max(0, kept.size() - 400), kept.size()));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  /** For the report: sockets left in TIME_WAIT on the ports the killed process listened on. */
  private static String timeWaitSockets(int... ports) {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (int port : ports) {
      counts.put(port, 0);
    }
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 3 && f[3].equals("06") && f[1].contains(":")) {
            int port = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
            counts.computeIfPresent(port, (k, v) -> v + 1);
          }
        }
      } catch (IOException | NumberFormatException e) {
        return "unknown (" + e.getMessage() + ")";
      }
    }
    return counts.toString();
  }
}
