package dev.goodput.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The results of one benchmark: the machine, the settings, every run of every measurement and the
 * median of each, and the targets of issue 6. A phase that did not run is {@code null}.
 */
public record BenchReport(
    String startedAt,
    double seconds,
    Machine machine,
    BenchSettings settings,
    WorkloadInfo workload,
    Measure ceilingEventsPerS,
    List<Throughput.CeilingRun> ceilingRuns,
    Measure streamsFloorEventsPerS,
    List<Throughput.CeilingRun> streamsFloorRuns,
    List<Throughput.Run> warmupRuns,
    ThroughputResult exactlyOnce,
    ThroughputResult atLeastOnce,
    ThroughputResult twoInstances,
    FreshnessResult freshness,
    List<SeriesResult> series,
    Profile.Summary profile,
    List<Target> targets) {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .addModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance))
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** The median of some runs, and the runs. */
  public record Measure(double median, List<Double> runs) {
    static Measure of(List<Double> runs) {
      return new Measure(Stats.median(runs), List.copyOf(runs));
    }

    static <T> Measure of(List<T> runs, Function<T, Double> value) {
      return of(runs.stream().map(value).toList());
    }
  }

  /** The pre-loaded input of the throughput phases. */
  public record WorkloadInfo(
      long records,
      long duplicates,
      int tenants,
      int models,
      double zipfExponent,
      double bytesPerRecord,
      double loadSeconds) {}

  /**
   * The pipeline's rate over the pre-loaded input.
   *
   * @param steadyRatioToCeiling the median steady rate over the median ceiling, measured minutes
   *     apart (NaN without the ceiling phase)
   * @param pairedCeilingEventsPerS a ceiling run right before each run (null when not paired)
   * @param pairedRatioToCeiling each run's steady rate over the ceiling run right before it: the
   *     machine's speed, which drifts within minutes here, is then about the same for both
   * @param pairedCeilingConsumerUsPerEvent those ceiling runs' consumer thread CPU per event
   * @param pairedCpuPerEventOverCeiling each run's stream-thread CPU per event (steady part) over
   *     the consumer thread's of the ceiling run right before it: what the pipeline spends on an
   *     event in units of what reading and parsing it costs, a figure the machine's speed moves
   *     much less than a rate, since it slows both alike
   */
  public record ThroughputResult(
      String guarantee,
      int instances,
      Measure steadyEventsPerS,
      Measure totalEventsPerS,
      Measure startupSeconds,
      double steadyRatioToCeiling,
      Measure pairedCeilingEventsPerS,
      Measure pairedRatioToCeiling,
      Measure pairedCeilingConsumerUsPerEvent,
      Measure pairedCpuPerEventOverCeiling,
      List<Throughput.Run> runs) {}

  /** Freshness at a live rate: medians over the windows of each target. */
  public record FreshnessResult(
      double rateEventsPerS,
      Measure apiP50Ms,
      Measure apiP99Ms,
      Measure metricsP50Ms,
      Measure metricsP99Ms,
      List<Freshness.Window> windows) {}

  /**
   * Memory and scrape time at one number of active series. The heap per series is over the series
   * added since the baseline, a first small load (see {@code SeriesFootprint}); the marginal heap
   * is per series added since the previous size (since the baseline for the first). The fixed heap
   * is the baseline's over the empty pipeline's: the instance's, whatever its series.
   */
  public record SeriesResult(
      int series,
      Measure fixedHeapBytes,
      Measure heapBytesPerSeries,
      Measure marginalHeapBytesPerSeries,
      Measure stateBytesPerSeries,
      Measure renderMsGuardOff,
      Measure scrapeMsGuardOff,
      Measure scrapeMsGuardOffGzip,
      Measure scrapeMsGuardOn,
      List<SeriesFootprint.Run> runs) {}

  /** One target of issue 6 and whether the measured median meets it. */
  public record Target(String name, String comparison, double limit, double measured, boolean met) {
    static Target atLeast(String name, double limit, double measured) {
      return new Target(name, ">=", limit, measured, measured >= limit);
    }

    static Target atMost(String name, double limit, double measured) {
      return new Target(name, "<=", limit, measured, measured <= limit);
    }
  }

  /** The report as JSON (snake_case keys). */
  public JsonNode toJson() {
    return JSON.valueToTree(this);
  }

  /** The report as indented JSON text. */
  public String toJsonText() {
    try {
      return JSON.writeValueAsString(this);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("could not write the report as JSON", e);
    }
  }

  /** The report as a table for people. */
  public String table() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"", "metric", "median", "runs", "target"});
    if (ceilingEventsPerS != null) {
      rows.add(rateRow("1", "Ceiling: one plain consumer reads + parses", ceilingEventsPerS));
    }
    if (streamsFloorEventsPerS != null) {
      rows.add(
          rateRow(
              "",
              "Kafka Streams floor: exactly-once, parse only, no state",
              streamsFloorEventsPerS));
    }
    if (exactlyOnce != null) {
      throughputRows(rows, "2", exactlyOnce, true);
    }
    if (atLeastOnce != null) {
      throughputRows(rows, "", atLeastOnce, false);
    }
    if (freshness != null) {
      rows.add(
          row(
              "3",
              String.format(
                  Locale.ROOT,
                  "Freshness at %s ev/s: usage API p50 / p99",
                  grouped(freshness.rateEventsPerS())),
              ms(freshness.apiP50Ms().median()) + " / " + ms(freshness.apiP99Ms().median()),
              runs(freshness.apiP99Ms(), BenchReport::intMs),
              verdict("freshness p99 to the usage API")));
      rows.add(
          row(
              "",
              "  /metrics p50 / p99",
              ms(freshness.metricsP50Ms().median()) + " / " + ms(freshness.metricsP99Ms().median()),
              runs(freshness.metricsP99Ms(), BenchReport::intMs),
              verdict("freshness p99 to /metrics")));
    }
    if (series != null) {
      boolean first = true;
      for (SeriesResult s : series) {
        rows.add(
            row(
                first ? "4" : "",
                String.format(
                    Locale.ROOT,
                    "Memory at %s series: heap (marginal) / state per series",
                    grouped(s.series())),
                bytes(s.heapBytesPerSeries().median())
                    + " ("
                    + bytes(s.marginalHeapBytesPerSeries().median())
                    + ") / "
                    + bytes(s.stateBytesPerSeries().median()),
                runs(s.heapBytesPerSeries(), BenchReport::bytes),
                verdict("heap per active series at " + s.series() + " series")));
        first = false;
      }
      SeriesResult smallest = series.get(0);
      int baseline = smallest.runs().get(0).baselineSeries();
      rows.add(
          row(
              "",
              String.format(
                  Locale.ROOT,
                  "  fixed heap of the instance (after a first load of %s series)",
                  grouped(baseline)),
              megabytes(smallest.fixedHeapBytes().median()),
              runs(smallest.fixedHeapBytes(), BenchReport::megabytes),
              ""));
      first = true;
      for (SeriesResult s : series) {
        rows.add(
            row(
                first ? "5" : "",
                String.format(
                    Locale.ROOT,
                    "Render /metrics at %s series, guard off (in-process)",
                    grouped(s.series())),
                ms(s.renderMsGuardOff().median()),
                runs(s.renderMsGuardOff(), BenchReport::intMs),
                verdict("render /metrics at " + s.series() + " series, guard off")));
        rows.add(
            row(
                "",
                "  over HTTP: guard off / gzipped / guard on",
                ms(s.scrapeMsGuardOff().median())
                    + " / "
                    + ms(s.scrapeMsGuardOffGzip().median())
                    + " / "
                    + ms(s.scrapeMsGuardOn().median()),
                runs(s.scrapeMsGuardOff(), BenchReport::intMs),
                ""));
        first = false;
      }
    }
    if (twoInstances != null) {
      rows.add(
          row(
              "6",
              "Scaling, exactly-once steady: 1 / 2 instances",
              (exactlyOnce == null ? "-" : rate(exactlyOnce.steadyEventsPerS().median()))
                  + " / "
                  + rate(twoInstances.steadyEventsPerS().median()),
              runs(twoInstances.steadyEventsPerS(), BenchReport::k),
              ""));
    }
    StringBuilder out = new StringBuilder();
    out.append("Goodput benchmark, ").append(startedAt).append('\n');
    out.append("machine: ").append(machine.describe()).append('\n');
    if (workload != null) {
      out.append(
          String.format(
              Locale.ROOT,
              "input: %s records (%s resends), %s tenants (ServeGen skew, s = %.2f) x %d models,"
                  + " %.0f bytes/record, %d partitions; %d run(s) each, medians%n",
              grouped(workload.records()),
              grouped(workload.duplicates()),
              grouped(workload.tenants()),
              workload.zipfExponent(),
              workload.models(),
              workload.bytesPerRecord(),
              settings.partitions(),
              settings.runs()));
    }
    out.append(render(rows));
    if (profile != null) {
      out.append("\nprofile: ")
          .append(profile.file())
          .append(
              String.format(
                  Locale.ROOT,
                  " (an extra exactly-once run, not counted: steady %s)%n",
                  rate(profile.run().steadyEventsPerS())));
      out.append("  CPU samples by thread group:\n");
      profile.threadGroups().forEach(e -> out.append(entry(e)));
      out.append("  stream threads, hot paths (share of samples with the method on the stack):\n");
      profile.streamThreadHotPaths().forEach(e -> out.append(entry(e)));
      out.append("  stream threads, by library of the innermost non-JDK frame:\n");
      profile.streamThreadLibraries().forEach(e -> out.append(entry(e)));
    }
    return out.toString();
  }

  /** A row of an events/s measure without a target: its median and its runs. */
  private static String[] rateRow(String number, String metric, Measure eventsPerS) {
    return row(number, metric, rate(eventsPerS.median()), runs(eventsPerS, BenchReport::k), "");
  }

  private void throughputRows(List<String[]> rows, String number, ThroughputResult t, boolean eos) {
    rows.add(
        row(
            number,
            "Pipeline " + t.guarantee() + ", steady (from first output)",
            rate(t.steadyEventsPerS().median()),
            runs(t.steadyEventsPerS(), BenchReport::k),
            eos ? verdict("exactly-once throughput") : ""));
    rows.add(
        row(
            "",
            "  ratio to the ceiling",
            Double.isNaN(t.steadyRatioToCeiling())
                ? "-"
                : String.format(Locale.ROOT, "%.2f", t.steadyRatioToCeiling()),
            "",
            eos ? verdict("exactly-once ratio to the ceiling") : ""));
    if (t.pairedRatioToCeiling() != null) {
      rows.add(
          measureRow(
              "  ratio to a ceiling run right before each run",
              t.pairedRatioToCeiling(),
              "%.2f",
              ""));
      rows.add(rateRow("", "  those ceiling runs", t.pairedCeilingEventsPerS()));
      rows.add(
          measureRow(
              "  stream-thread CPU per event over their consumer's",
              t.pairedCpuPerEventOverCeiling(),
              "%.1f",
              "x"));
    }
    if (eos && streamsFloorEventsPerS != null) {
      rows.add(
          row(
              "",
              "  ratio to the Kafka Streams floor",
              String.format(
                  Locale.ROOT,
                  "%.2f",
                  t.steadyEventsPerS().median() / streamsFloorEventsPerS.median()),
              "",
              ""));
    }
    rows.add(rateRow("", "  start to last record (start-up included)", t.totalEventsPerS()));
    List<Throughput.Run> restarted = t.runs().stream().filter(r -> r.restart() != null).toList();
    if (!restarted.isEmpty()) {
      Measure seconds = Measure.of(restarted, r -> r.restart().secondsToQueryable());
      long restored =
          restarted.stream().mapToLong(r -> r.restart().restoredRecords()).max().orElseThrow();
      rows.add(
          row(
              "",
              "  clean restart: answering after / most records restored",
              String.format(Locale.ROOT, "%.1f s / %s", seconds.median(), grouped(restored)),
              runs(seconds, v -> String.format(Locale.ROOT, "%.1f", v)),
              ""));
    }
  }

  /** A row without a target: {@code m}'s median and runs, each as {@code format} has it. */
  private static String[] measureRow(String metric, Measure m, String format, String unit) {
    return row(
        "",
        metric,
        String.format(Locale.ROOT, format, m.median()) + unit,
        runs(m, v -> String.format(Locale.ROOT, format, v)),
        "");
  }

  private String verdict(String name) {
    for (Target t : targets) {
      if (t.name().equals(name)) {
        return t.comparison()
            + " "
            + (t.limit() < 10 ? String.format(Locale.ROOT, "%.1f", t.limit()) : grouped(t.limit()))
            + (t.met()
                ? "  met"
                : String.format(Locale.ROOT, "  MISSED (%.2fx)", t.measured() / t.limit()));
      }
    }
    return "";
  }

  private static String[] row(String n, String metric, String median, String runs, String target) {
    return new String[] {n, metric, median, runs, target};
  }

  private static String render(List<String[]> rows) {
    int[] width = new int[5];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        String cell = r[i];
        boolean right = i == 2;
        String pad = " ".repeat(width[i] - cell.length());
        line.append(right ? pad + cell : cell + pad).append(i < r.length - 1 ? "  " : "");
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String entry(Profile.Entry e) {
    return String.format(Locale.ROOT, "    %5.1f%%  %s%n", 100 * e.share(), e.name());
  }

  private static String runs(Measure m, Function<Double, String> format) {
    if (m.runs().size() < 2) {
      return "";
    }
    return String.join(" ", m.runs().stream().map(format).toList());
  }

  private static String rate(double v) {
    return Double.isNaN(v) ? "-" : grouped(v) + " ev/s";
  }

  private static String k(double v) {
    return String.format(Locale.ROOT, "%.1fk", v / 1000);
  }

  private static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f ms", v);
  }

  private static String intMs(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String bytes(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f B", v);
  }

  private static String megabytes(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f MB", v / 1e6);
  }

  private static String grouped(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }
}
