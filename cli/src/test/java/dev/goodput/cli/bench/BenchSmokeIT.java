package dev.goodput.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.goodput.cli.bench.BenchSettings.Phase;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness at a tiny size, every phase once: the report must be complete and every
 * count in it exact. How fast anything was is not checked here.
 */
class BenchSmokeIT {

  private static final long RECORDS = 3_000;
  private static final int SERIES = 300;
  private static final int EVENTS_PER_SERIES = 4;

  @TempDir Path dir;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shouldReportEveryPhaseWithExactCounts() throws Exception {
    // Given every phase at a tiny size, one run each, with a flight recording
    BenchSettings settings =
        new BenchSettings(
            RECORDS,
            1,
            0,
            50,
            List.of(SERIES),
            EVENTS_PER_SERIES,
            0.01,
            3,
            1,
            0.5,
            300,
            1,
            2,
            2,
            7,
            EnumSet.allOf(Phase.class),
            dir.resolve("data"),
            dir.resolve("profile.jfr"));
    long duplicates = Workload.ofTenants(50, "bench", 7, 0.01).duplicates(RECORDS);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    // Kept for the assertions, and in the test's output for when it fails.
    OutputStream both =
        new OutputStream() {
          @Override
          public void write(int b) {
            progress.write(b);
            System.out.write(b);
          }
        };

    // When it runs
    BenchReport report = Bench.run(settings, new PrintStream(both, true, StandardCharsets.UTF_8));

    // Then the input is what was asked for, and the ceiling consumer parsed all of it
    assertThat(duplicates).isBetween(1L, RECORDS / 20);
    assertThat(report.workload().records()).isEqualTo(RECORDS);
    assertThat(report.workload().duplicates()).isEqualTo(duplicates);
    assertThat(report.workload().tenants()).isEqualTo(50);
    assertThat(report.ceilingRuns())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.passes()).isEqualTo(10);
              assertThat(c.records()).isEqualTo(10 * RECORDS);
              assertThat(c.valid()).isEqualTo(10 * RECORDS);
            });
    // And the Kafka Streams floor parsed every record once, in one pass
    assertThat(report.streamsFloorRuns())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.records()).isEqualTo(RECORDS);
              assertThat(c.valid()).isEqualTo(RECORDS);
            });

    // And every pipeline run decided every record, once: resends as duplicates, the rest accepted
    Throughput.Counts expected =
        new Throughput.Counts(RECORDS, RECORDS - duplicates, duplicates, 0, 0);
    for (BenchReport.ThroughputResult t :
        List.of(report.exactlyOnce(), report.atLeastOnce(), report.twoInstances())) {
      assertThat(t.runs())
          .singleElement()
          .satisfies(r -> assertThat(r.counts()).isEqualTo(expected));
      assertThat(t.steadyEventsPerS().runs()).hasSize(1);
    }
    // And each exactly-once run has its own ceiling run right before it, and their ratio
    BenchReport.ThroughputResult eos = report.exactlyOnce();
    assertThat(eos.pairedCeilingEventsPerS().runs()).hasSize(1);
    assertThat(eos.pairedRatioToCeiling().runs())
        .containsExactly(
            eos.runs().get(0).steadyEventsPerS() / eos.pairedCeilingEventsPerS().runs().get(0));
    // And the run's stream-thread CPU per event over that ceiling run's consumer thread's
    Throughput.Run paired = eos.runs().get(0);
    double consumerUs = eos.pairedCeilingConsumerUsPerEvent().runs().get(0);
    assertThat(consumerUs).isFinite().isPositive();
    assertThat(eos.pairedCpuPerEventOverCeiling().runs())
        .containsExactly(
            paired.steadyCpu().streamThreadCores() / paired.steadyEventsPerS() * 1e6 / consumerUs);
    assertThat(report.atLeastOnce().pairedRatioToCeiling()).isNull();
    assertThat(report.atLeastOnce().pairedCpuPerEventOverCeiling()).isNull();
    assertThat(report.exactlyOnce().guarantee()).isEqualTo("exactly_once_v2");
    assertThat(report.atLeastOnce().guarantee()).isEqualTo("at_least_once");
    assertThat(report.twoInstances().instances()).isEqualTo(2);

    // And a single instance restarted on its own state after a clean stop, under either guarantee,
    // answered with the counts it stopped with (the bench checks) having restored nothing; the
    // two-instance runs are not restarted
    for (BenchReport.ThroughputResult t : List.of(report.exactlyOnce(), report.atLeastOnce())) {
      assertThat(t.runs().get(0).restart().restoredRecords()).as(t.guarantee()).isZero();
    }
    assertThat(report.twoInstances().runs().get(0).restart()).isNull();

    // And every probe of the freshness window was seen through the API and in the totals that
    // /metrics renders, about one per 100 ms
    assertThat(report.freshness().rateEventsPerS()).isEqualTo(300);
    assertThat(report.freshness().windows())
        .extracting(Freshness.Window::target)
        .containsExactly(Freshness.Target.API, Freshness.Target.METRICS);
    assertThat(report.freshness().windows())
        .allSatisfy(
            w -> {
              assertThat(w.probes()).isBetween(19L, 21L);
              assertThat(w.probesSeen()).isEqualTo(w.probes());
              assertThat(w.p50Ms()).isLessThanOrEqualTo(w.p99Ms());
              assertThat(w.p99Ms()).isLessThanOrEqualTo(w.maxMs());
            });
    assertThat(report.freshness().windows().get(1).renderMs()).isNotNaN();

    // And the series phase made exactly the asked number of series, all exported with and without
    // the guard (fewer tenants than its limit)
    assertThat(report.series())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.series()).isEqualTo(SERIES);
              SeriesFootprint.Run run = s.runs().get(0);
              assertThat(run.records()).isEqualTo((long) SERIES * EVENTS_PER_SERIES);
              // The heap's baseline came after a first load of a tenth of the series, whose
              // counts are not the size's
              assertThat(run.baselineSeries()).isEqualTo(SERIES / 10);
              assertThat(run.counts().records()).isEqualTo(run.records());
              assertThat(run.counts().accepted()).isEqualTo(run.uniqueEvents());
              assertThat(run.counts().duplicate()).isEqualTo(run.records() - run.uniqueEvents());
              assertThat(run.guardOff().seriesExported()).isEqualTo(SERIES);
              assertThat(run.guardOn().seriesExported()).isEqualTo(SERIES);
              assertThat(run.stateBytes()).isGreaterThan(run.stateBytesEmpty());
              assertThat(run.guardOff().ms()).hasSize(2);
              assertThat(run.guardOff().gzipMs()).hasSize(2);
              assertThat(run.guardOff().renderMs()).hasSize(2);
              // Compressed, the exposition of a series (71 samples) is far smaller than as text.
              assertThat(run.guardOff().gzipBytes()).isLessThan(run.guardOff().bytes() / 4);
            });

    // And the flight recording saw the stream thread
    assertThat(report.profile().threadGroups())
        .extracting(Profile.Entry::name)
        .contains("stream threads");

    // And the table and the JSON carry every phase and every target
    assertThat(report.targets())
        .extracting(BenchReport.Target::name)
        .containsExactly(
            "exactly-once throughput",
            "exactly-once ratio to the ceiling",
            "freshness p99 to the usage API",
            "freshness p99 to /metrics",
            "heap per active series at 300 series");
    JsonNode json = report.toJson();
    for (String field :
        List.of(
            "machine",
            "settings",
            "workload",
            "ceiling_events_per_s",
            "exactly_once",
            "at_least_once",
            "two_instances",
            "freshness",
            "series",
            "profile",
            "targets")) {
      assertThat(json.get(field)).as(field).isNotNull();
      assertThat(json.get(field).isNull()).as(field).isFalse();
    }
    assertThat(json.at("/exactly_once/runs/0/counts/accepted").asLong())
        .isEqualTo(RECORDS - duplicates);
    assertThat(report.table())
        .contains("Ceiling")
        .contains("exactly_once_v2")
        .contains("at_least_once")
        .contains("Freshness")
        .contains("Memory at 300 series")
        .contains("fixed heap of the instance (after a first load of 30 series)")
        .contains("Render /metrics at 300 series")
        .contains("Scaling");
    assertThat(progress.toString(StandardCharsets.UTF_8)).contains("ceiling run 1/1");
  }
}
