package dev.goodput.cli;

import dev.goodput.cli.bench.Bench;
import dev.goodput.cli.bench.BenchReport;
import dev.goodput.cli.bench.BenchSettings;
import dev.goodput.cli.bench.BenchSettings.Phase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code goodput bench}: the benchmark of issue 6 on this machine, with the embedded broker. Prints
 * a table, writes every run as JSON.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure this machine with the embedded broker: the ceiling of a plain consumer, the"
          + " pipeline's throughput (exactly-once and at-least-once, 1 and 2 instances), freshness"
          + " to the usage API and /metrics, memory and /metrics render time per active series.",
      "Takes about 15 minutes at the default size on 2 cores; --quick takes about a minute."
    })
final class BenchCommand implements Callable<Integer> {

  private static final String LOG_CONFIG =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <Configuration status="WARN" shutdownHook="disable">
        <Appenders>
          <File name="file" fileName="${sys:goodput.log.file}" append="true">
            <PatternLayout pattern="%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}{UTC} %-5level [%t] %c{1} - %msg%n"/>
          </File>
        </Appenders>
        <Loggers>
          <Logger name="org.apache.kafka" level="WARN"/>
          <Logger name="kafka" level="WARN"/>
          <Logger name="state.change.logger" level="WARN"/>
          <Root level="INFO">
            <AppenderRef ref="file"/>
          </Root>
        </Loggers>
      </Configuration>
      """;

  @Spec CommandSpec spec;

  @Option(names = "--quick", description = "CI size: every phase, small, one run (about a minute).")
  boolean quick;

  @Option(
      names = {"--events", "--records"},
      paramLabel = "N",
      description =
          "Records pre-loaded for the throughput phases (default 1,000,000; quick 20,000).")
  Long records;

  @Option(
      names = "--runs",
      paramLabel = "R",
      description = "Runs of each measurement; the table shows medians (default 3; quick 1).")
  Integer runs;

  @Option(
      names = "--warmup-runs",
      paramLabel = "W",
      description =
          "At most this many pipeline runs before the measured ones, so that they run compiled"
              + " code; they stop once the JIT is quiet, after two at least (default 8; quick 0).")
  Integer warmupRuns;

  @Option(
      names = "--series",
      split = ",",
      paramLabel = "N",
      description =
          "Active tenant x model series of the memory and scrape phases (default"
              + " 1000,10000,100000; quick 1000).")
  List<Integer> series;

  @Option(
      names = "--tenants",
      paramLabel = "N",
      description = "Tenants of the throughput and freshness traffic (default 1000; quick 200).")
  Integer tenants;

  @Option(
      names = "--stream-threads",
      paramLabel = "N",
      description =
          "Stream threads per pipeline instance (default: the product's, one per core plus one).")
  Integer streamThreads;

  @Option(
      names = "--only",
      split = ",",
      paramLabel = "PHASE",
      description =
          "Run only these phases: ceiling, throughput, freshness, memory, scaling (default:"
              + " all).")
  List<String> only;

  @Option(
      names = "--freshness-rate",
      paramLabel = "EVENTS_PER_S",
      description =
          "Live rate of the freshness phase (default: half the measured exactly-once rate).")
  Double freshnessRate;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      defaultValue = "goodput-bench.json",
      description = "Where to write the report as JSON (default: ${DEFAULT-VALUE}).")
  Path json;

  @Option(
      names = "--profile",
      paramLabel = "FILE",
      description =
          "Record an extra exactly-once run (not counted) with Java Flight Recorder to FILE"
              + " (.jfr) and summarise where its stream thread spends its time.")
  Path profile;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Where the brokers, state stores and the log live while it runs (default: a new"
              + " temporary directory, deleted after a successful run).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    boolean temporary = dataDir == null;
    Path data =
        temporary
            ? Files.createTempDirectory("goodput-bench")
            : dataDir.toAbsolutePath().normalize();
    Files.createDirectories(data);
    // Before anything logs: every log line goes to a file, the console is kept for the progress
    // lines and the table. The embedded broker logs retried appends as errors, for example.
    Path log = data.resolve("bench.log");
    Path logConfig = data.resolve("log4j2-bench.xml");
    Files.writeString(logConfig, LOG_CONFIG, StandardCharsets.UTF_8);
    System.setProperty("log4j2.configurationFile", logConfig.toString());
    System.setProperty("goodput.log.file", log.toString());

    BenchSettings settings;
    try {
      settings = settings(data);
    } catch (ParameterException e) {
      if (temporary) {
        deleteTree(data);
      }
      throw e;
    }
    BenchReport report;
    try {
      report = Bench.run(settings, System.err);
    } catch (RuntimeException e) {
      System.err.println("goodput: the benchmark failed; its log is " + log);
      throw e;
    }
    System.out.print(report.table());
    Files.writeString(json, report.toJsonText(), StandardCharsets.UTF_8);
    System.err.println("bench: report written to " + json.toAbsolutePath());
    if (temporary) {
      deleteTree(data);
    }
    return 0;
  }

  /** The settings from the options; a bad combination is a usage error. */
  private BenchSettings settings(Path data) {
    BenchSettings base = quick ? BenchSettings.quick(data) : BenchSettings.defaults(data);
    BenchSettings settings;
    try {
      settings =
          new BenchSettings(
              records != null ? records : base.records(),
              runs != null ? runs : base.runs(),
              warmupRuns != null ? warmupRuns : base.warmupRuns(),
              tenants != null ? tenants : base.tenants(),
              series != null ? series : base.series(),
              base.eventsPerSeries(),
              base.duplicateRatio(),
              base.partitions(),
              streamThreads != null ? streamThreads : base.streamThreads(),
              base.freshnessLoad(),
              freshnessRate != null ? freshnessRate : base.freshnessRate(),
              base.warmupSeconds(),
              base.windowSeconds(),
              base.scrapeRepeats(),
              base.seed(),
              only != null && !only.isEmpty() ? phases(only) : base.phases(),
              data,
              profile == null ? null : profile.toAbsolutePath());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (settings.runs(Phase.FRESHNESS)
        && !settings.runs(Phase.THROUGHPUT)
        && settings.freshnessRate() == 0) {
      throw new ParameterException(
          spec.commandLine(),
          "the freshness phase runs at half the measured exactly-once rate: add the throughput"
              + " phase, or give --freshness-rate");
    }
    return settings;
  }

  private Set<Phase> phases(List<String> names) {
    Set<Phase> out = EnumSet.noneOf(Phase.class);
    for (String n : names) {
      try {
        out.add(Phase.valueOf(n.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(),
            "--only: unknown phase '"
                + n
                + "'; expected ceiling, throughput, freshness, memory or scaling");
      }
    }
    return out;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
