package dev.goodput.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.SeriesTotals;
import dev.goodput.streams.api.StoreNames;
import dev.goodput.streams.api.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Freshness: how long after an event is produced its effect is visible in the usage API and on
 * {@code /metrics}, while the pipeline takes live traffic at a given rate.
 *
 * <p>Every 100 ms, among the live traffic, the same producer sends a probe: one request of the
 * probe tenant. Probes share a partition and are accounted in order, so probe {@code i} is visible
 * once the probe tenant's request count reaches {@code i + 1}. A probe's freshness is from just
 * before its {@code send}:
 *
 * <ul>
 *   <li>to the usage API: to the end of the first response of {@code GET
 *       /v1/tenants/bench-probe/usage} that counts it, asked every {@link #POLL_INTERVAL_MS} ms;
 *   <li>to {@code /metrics}: to when the store {@code /metrics} reads (the series totals) first
 *       counts it, read in-process every {@link #POLL_INTERVAL_MS} ms, plus the time to render
 *       {@code /metrics} then (the median of the window's scrapes, one every 5 s): the end of a
 *       scrape that starts as soon as the count is there. Scraping back to back instead would
 *       measure little more than the scrapes slowing the pipeline down, as a scrape renders every
 *       series (a Prometheus server scrapes every 15 s or so).
 * </ul>
 *
 * The probe tenant has a budget, so the cardinality guard, at its default, keeps its label.
 */
final class Freshness {

  static final String PROBE_TENANT = "bench-probe";

  /**
   * Warm-up windows at most: they go on until one in which the JIT compiled on less than {@link
   * CpuUsage#QUIET_JIT_CORES}.
   */
  static final int MAX_WARMUP_WINDOWS = 6;

  /** Warm-up window {@code w} is run {@code WARMUP_RUN + w} for its event ids. */
  private static final int WARMUP_RUN = 1000;

  static final String PROBE_MODEL = "llama-3.3-70b-instruct";
  static final long PROBE_INTERVAL_NS = 100_000_000L;
  static final long SCRAPE_INTERVAL_NS = 5_000_000_000L;

  /**
   * How often the pollers ask: a probe's latency is the end of the first answer that counts it, so
   * it is over by at most this much. At 5 ms, the API poller's 200 requests a second (its HTTP
   * client, the server's handler and the query) took about 0.2 of the 2 cores the pipeline needs.
   */
  static final long POLL_INTERVAL_MS = 20;

  static final String APPLICATION_ID = "bench-freshness";
  private static final long DRAIN_NS = 30_000_000_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a probe's effect was looked for. */
  enum Target {
    API,
    METRICS
  }

  /**
   * One measured window, for one target. For {@code METRICS}, {@code renderMs} is the median time
   * to render {@code /metrics} in the window, included in the percentiles.
   */
  record Window(
      Target target,
      double targetRate,
      double achievedRate,
      long probes,
      long probesSeen,
      double p50Ms,
      double p99Ms,
      double maxMs,
      double renderMs,
      long scrapes,
      CpuUsage cpu) {}

  private Freshness() {}

  /**
   * Starts a pipeline (exactly-once, defaults) on {@code broker}, sends live traffic at {@code
   * rateEventsPerS} for warm-up windows of {@code warmupSeconds} until the JIT is quiet (at most
   * {@link #MAX_WARMUP_WINDOWS}), and then {@code runs} measured windows of {@code windowSeconds}
   * each.
   */
  static List<Window> measure(
      BenchBroker broker,
      int tenants,
      long seed,
      double duplicateRatio,
      double rateEventsPerS,
      int warmupSeconds,
      int windowSeconds,
      int runs,
      int partitions,
      int threads,
      Path stateRoot,
      Progress progress)
      throws InterruptedException {
    MetricsConfig metrics = MetricsConfig.of(Map.of("budgets." + PROBE_TENANT, "1000000"));
    int maxProbes =
        (int)
            (((long) MAX_WARMUP_WINDOWS * warmupSeconds + (long) runs * windowSeconds) * 10 + 100);
    List<Window> out = new ArrayList<>();
    try (Instances pipeline =
            Instances.start(
                broker,
                APPLICATION_ID,
                StreamsConfig.EXACTLY_ONCE_V2,
                1,
                partitions,
                threads,
                stateRoot,
                metrics);
        KafkaProducer<byte[], byte[]> producer = liveProducer(broker.bootstrap())) {
      pipeline.awaitQueryable();
      URI api = pipeline.first().apiUri();
      Poller fromApi = new Poller(maxProbes, new ApiCount(api));
      Poller fromTotals = new Poller(maxProbes, new TotalsCount(pipeline.first().streams()));
      Scraper scraper = new Scraper(api.resolve("/metrics"));
      List<Thread> workers =
          List.of(
              daemon(fromApi, "bench-freshness-api"),
              daemon(fromTotals, "bench-freshness-totals"),
              daemon(scraper, "bench-freshness-scrapes"));
      Sender sender = new Sender(producer, maxProbes);
      try {
        // As for throughput: the measured windows start once the JIT is quiet. The live
        // producers, the API and the queries run code the pre-loaded runs did not.
        for (int w = 1; ; w++) {
          Sender.Sent warm =
              sender.window(
                  tenants, seed, duplicateRatio, rateEventsPerS, warmupSeconds, WARMUP_RUN + w);
          sender.drain(fromApi, fromTotals);
          progress.detail(
              "warm-up %d: %d s at %,.0f events/s (the JIT used %.2f cores)",
              w, warmupSeconds, rateEventsPerS, warm.cpu.jitCores(warmupSeconds));
          if (warm.cpu.jitQuiet(warmupSeconds) || w == MAX_WARMUP_WINDOWS) {
            break;
          }
        }
        for (int r = 1; r <= runs; r++) {
          int scrapesBefore = scraper.durationsMs.size();
          Sender.Sent sent =
              sender.window(tenants, seed, duplicateRatio, rateEventsPerS, windowSeconds, r);
          sender.drain(fromApi, fromTotals);
          List<Double> all = List.copyOf(scraper.durationsMs);
          // The window's scrapes; in a window too short for one, all so far.
          List<Double> renders =
              all.size() > scrapesBefore ? all.subList(scrapesBefore, all.size()) : all;
          double renderMs = Stats.median(renders);
          for (Window w :
              List.of(
                  sent.window(Target.API, fromApi, 0, renders.size()),
                  sent.window(Target.METRICS, fromTotals, renderMs, renders.size()))) {
            progress.detail(
                "run %d/%d %s: %d probes, p50 %.0f ms, p99 %.0f ms, max %.0f ms%s (%,.0f"
                    + " events/s sent)",
                r,
                runs,
                w.target() == Target.API ? "usage API" : "/metrics",
                w.probes(),
                w.p50Ms(),
                w.p99Ms(),
                w.maxMs(),
                w.target() == Target.API
                    ? ""
                    : String.format(" (%.0f ms of it rendering)", w.renderMs()),
                w.achievedRate());
            out.add(w);
          }
        }
      } finally {
        fromApi.stop();
        fromTotals.stop();
        scraper.stop();
        for (Thread t : workers) {
          t.join(30_000);
        }
      }
    }
    broker.deleteInternalTopics(APPLICATION_ID);
    BenchBroker.deleteTree(Instances.stateDir(stateRoot, APPLICATION_ID, 0));
    return out;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static KafkaProducer<byte[], byte[]> liveProducer(String bootstrap) {
    Map<String, Object> p = new HashMap<>(Loader.producerProps(bootstrap));
    // Live traffic: a model server does not hold a request's event for long.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Sends live traffic and probes; one window at a time, on the calling thread. */
  private static final class Sender {
    private final KafkaProducer<byte[], byte[]> producer;
    private final long[] sentNs;
    private int probes;

    /** The window's records, the same arrays reused from one window to the next. */
    private PackedRecords traffic;

    Sender(KafkaProducer<byte[], byte[]> producer, int maxProbes) {
      this.producer = producer;
      this.sentNs = new long[maxProbes];
    }

    /** What one window sent. */
    final class Sent {
      final double rate;
      final double achievedRate;
      final int firstProbe;
      final int endProbe;
      final CpuUsage cpu;

      Sent(double rate, double achievedRate, int firstProbe, int endProbe, CpuUsage cpu) {
        this.rate = rate;
        this.achievedRate = achievedRate;
        this.firstProbe = firstProbe;
        this.endProbe = endProbe;
        this.cpu = cpu;
      }

      /** The window as seen by {@code poller}, each probe's latency plus {@code addMs}. */
      Window window(Target target, Poller poller, double addMs, long scrapes) {
        List<Double> latencies = new ArrayList<>();
        for (int p = firstProbe; p < endProbe; p++) {
          long visible = poller.visibleNs.get(p);
          if (visible != 0) {
            latencies.add((visible - sentNs[p]) / 1e6 + (Double.isNaN(addMs) ? 0 : addMs));
          }
        }
        return new Window(
            target,
            rate,
            achievedRate,
            endProbe - firstProbe,
            latencies.size(),
            Stats.percentile(latencies, 50),
            Stats.percentile(latencies, 99),
            Stats.percentile(latencies, 100),
            target == Target.METRICS ? addMs : Double.NaN,
            scrapes,
            cpu);
      }
    }

    Sent window(int tenants, long seed, double duplicateRatio, double rate, int seconds, int run) {
      int events = (int) Math.round(rate * seconds);
      long fromMs = System.currentTimeMillis() + 200;
      if (traffic == null || traffic.capacity() < events) {
        traffic = null; // the old arrays can go before the new are allocated
        traffic = new PackedRecords(events);
      } else {
        traffic.clear();
      }
      Workload.ofTenants(tenants, "bench-live-" + run, seed + run, duplicateRatio)
          .write(
              events,
              fromMs,
              fromMs + seconds * 1000L,
              o -> traffic.add(o.key(), o.value(), o.timestampMs()));
      int firstProbe = probes;
      CpuUsage.Mark cpu = CpuUsage.mark();
      long startNs = System.nanoTime();
      long nextProbeNs = startNs;
      int sent = 0;
      while (sent < events) {
        long now = System.nanoTime();
        long due = Math.min(events, (long) ((now - startNs) / 1e9 * rate) + 1);
        while (sent < due) {
          int i = sent++;
          producer.send(
              new ProducerRecord<>(
                  Topics.REQUESTS.name(),
                  null,
                  traffic.timestampMs(i),
                  traffic.key(i),
                  traffic.value(i)));
        }
        if (now >= nextProbeNs && probes < sentNs.length) {
          sendProbe();
          nextProbeNs += PROBE_INTERVAL_NS;
        }
        LockSupport.parkNanos(200_000);
      }
      double achieved = events / ((System.nanoTime() - startNs) / 1e9);
      producer.flush();
      return new Sent(rate, achieved, firstProbe, probes, CpuUsage.since(cpu));
    }

    /** Waits until both pollers have seen every probe sent, at most 30 s. */
    void drain(Poller a, Poller b) throws InterruptedException {
      long until = System.nanoTime() + DRAIN_NS;
      while ((a.seen() < probes || b.seen() < probes) && System.nanoTime() < until) {
        Thread.sleep(10);
      }
    }

    private void sendProbe() {
      int p = probes++;
      long nowMs = System.currentTimeMillis();
      InferenceEvent e =
          new InferenceEvent(
              "bench-probe-" + p,
              PROBE_TENANT,
              PROBE_MODEL,
              nowMs,
              Status.OK,
              100,
              0,
              10,
              0,
              50.0,
              300.0,
              null,
              "interactive",
              null,
              null,
              null,
              null,
              Map.of());
      byte[] key = PROBE_TENANT.getBytes(StandardCharsets.UTF_8);
      byte[] value = EventWriter.toJson(e);
      sentNs[p] = System.nanoTime();
      producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), null, nowMs, key, value));
    }
  }

  /** Reads the probe tenant's request count, or -1 when it cannot be read right now. */
  @FunctionalInterface
  private interface Count {
    long read() throws IOException, InterruptedException;
  }

  /** From the usage API, as a client would. */
  private static final class ApiCount implements Count {
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI usage;

    ApiCount(URI api) {
      Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
      this.usage =
          api.resolve(
              "/v1/tenants/"
                  + PROBE_TENANT
                  + "/usage?granularity=total&from="
                  + hour.minus(1, ChronoUnit.HOURS)
                  + "&to="
                  + hour.plus(3, ChronoUnit.HOURS));
    }

    @Override
    public long read() throws IOException, InterruptedException {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(usage).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        return -1;
      }
      JsonNode requests = JSON.readTree(r.body()).at("/totals/requests");
      return requests.isMissingNode() ? -1 : requests.asLong();
    }
  }

  /** From the series-totals store that {@code /metrics} renders, in-process. */
  private static final class TotalsCount implements Count {
    private final KafkaStreams streams;
    private final SeriesKey key = new SeriesKey(PROBE_TENANT, PROBE_MODEL);

    TotalsCount(KafkaStreams streams) {
      this.streams = streams;
    }

    @Override
    public long read() {
      try {
        ReadOnlyKeyValueStore<SeriesKey, SeriesTotals> store =
            streams.store(
                StoreQueryParameters.fromNameAndType(
                    StoreNames.USAGE_TOTALS, QueryableStoreTypes.keyValueStore()));
        SeriesTotals t = store.get(key);
        return t == null ? 0 : t.counters().requests();
      } catch (InvalidStateStoreException e) {
        return -1;
      }
    }
  }

  /** Reads a count back to back and notes when each probe first shows. */
  private static final class Poller implements Runnable {
    final AtomicLongArray visibleNs;
    private final Count count;
    private volatile boolean stopped;
    private volatile long seen;

    Poller(int maxProbes, Count count) {
      this.visibleNs = new AtomicLongArray(maxProbes);
      this.count = count;
    }

    long seen() {
      return seen;
    }

    void stop() {
      stopped = true;
    }

    @Override
    public void run() {
      while (!stopped) {
        try {
          long n = count.read();
          long now = System.nanoTime();
          for (long p = seen; p < Math.min(n, visibleNs.length()); p++) {
            visibleNs.set((int) p, now);
          }
          if (n > seen) {
            seen = n;
          }
          Thread.sleep(POLL_INTERVAL_MS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (IOException e) {
          // Starting or rebalancing: ask again.
          LockSupport.parkNanos(5_000_000L);
        }
      }
    }
  }

  /** Scrapes {@code /metrics} every 5 s and keeps how long each took, to the last byte. */
  private static final class Scraper implements Runnable {
    final List<Double> durationsMs = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI metrics;
    private volatile boolean stopped;

    Scraper(URI metrics) {
      this.metrics = metrics;
    }

    void stop() {
      stopped = true;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[1 << 16];
      while (!stopped) {
        long start = System.nanoTime();
        try {
          HttpResponse<InputStream> r =
              http.send(
                  HttpRequest.newBuilder(metrics).GET().build(),
                  HttpResponse.BodyHandlers.ofInputStream());
          try (InputStream in = r.body()) {
            while (in.read(buffer) >= 0) {
              // Read to the last byte, as a Prometheus server does.
            }
          }
          if (r.statusCode() == 200) {
            durationsMs.add((System.nanoTime() - start) / 1e6);
          }
        } catch (IOException e) {
          // Starting or rebalancing: the next scrape will tell.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        LockSupport.parkNanos(Math.max(0, start + SCRAPE_INTERVAL_NS - System.nanoTime()));
      }
    }
  }
}
