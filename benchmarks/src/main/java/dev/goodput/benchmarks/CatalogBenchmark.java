package dev.goodput.benchmarks;

import dev.goodput.accounting.api.Accounting;
import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.accounting.api.PriceEntry;
import dev.goodput.accounting.api.SloPolicy;
import dev.goodput.accounting.api.Verdict;
import dev.goodput.ingest.api.InferenceEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The catalog lookups of every accepted event: its price and SLO policy in effect at its timestamp,
 * then its exact cost and SLO verdict. The catalog is the demo's (a price per model, a policy per
 * class) plus a contract and a policy of their own for 50 tenants (two of them, acme and globex,
 * among the events' tenants), each entry with an older version, so that lookups walk effective
 * dates and fall back from tenant to model to {@code *}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CatalogBenchmark {

  private Catalog catalog;
  private InferenceEvent[] events;
  private int next;

  @Setup
  public void setUp() {
    List<String> tenants = new ArrayList<>(List.of("acme", "globex"));
    for (int t = 0; tenants.size() < 50; t++) {
      tenants.add("tenant-" + t);
    }
    StringBuilder yaml = new StringBuilder("prices:\n");
    String[][] models = {
      {"llama-3.3-70b-instruct", "0.60", "0.80"},
      {"llama-3.3-70b-instruct-economy", "0.30", "0.40"},
      {"deepseek-v2.5", "0.14", "0.28"}
    };
    for (String from : new String[] {"2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"}) {
      for (String[] m : models) {
        yaml.append(
            String.format(
                "  - {model: %s, effective_from: %s, input: %s, output: %s}%n",
                m[0], from, m[1], m[2]));
      }
      for (String t : tenants) {
        yaml.append(
            String.format(
                "  - {model: '*', tenant: %s, effective_from: %s, input: 0.5, output: 0.7}%n",
                t, from));
      }
    }
    yaml.append("slo_policies:\n");
    for (String from : new String[] {"2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"}) {
      yaml.append(
          String.format(
              "  - {model: '*', effective_from: %s, ttft_ms: 2000, tpot_ms: 200, objective: 0.99}%n"
                  + "  - {model: '*', slo_class: interactive, effective_from: %s, ttft_ms: 200,"
                  + " tpot_ms: 40, objective: 0.99}%n"
                  + "  - {model: '*', slo_class: batch, effective_from: %s, ttft_ms: 5000,"
                  + " tpot_ms: 120, e2e_ms: 60000, objective: 0.95}%n",
              from, from, from));
      for (String t : tenants) {
        yaml.append(
            String.format(
                "  - {model: '*', tenant: %s, effective_from: %s, ttft_ms: 300,"
                    + " tpot_ms: 50, objective: 0.99}%n",
                t, from));
      }
    }
    catalog = CatalogJson.parse(yaml.toString().getBytes(StandardCharsets.UTF_8), "benchmark");
    events = Events.sample(System.currentTimeMillis());
  }

  private InferenceEvent nextEvent() {
    return events[next++ & (Events.COUNT - 1)];
  }

  @Benchmark
  public Optional<PriceEntry> price() {
    InferenceEvent e = nextEvent();
    return catalog.price(e.tenant(), e.model(), e.timestampMs());
  }

  @Benchmark
  public SloPolicy policy() {
    InferenceEvent e = nextEvent();
    return catalog.policy(e.tenant(), e.model(), e.sloClass(), e.timestampMs());
  }

  /** Both lookups, the exact cost and the verdict: what the pipeline does per accepted event. */
  @Benchmark
  public Verdict priceAndJudge() {
    InferenceEvent e = nextEvent();
    BigDecimal cost =
        catalog
            .price(e.tenant(), e.model(), e.timestampMs())
            .map(p -> Accounting.cost(e, p))
            .orElse(BigDecimal.ZERO);
    Verdict v =
        Accounting.judge(e, catalog.policy(e.tenant(), e.model(), e.sloClass(), e.timestampMs()));
    return cost.signum() >= 0 ? v : null;
  }
}
