package dev.goodput.cli.bench;

import dev.goodput.cli.bench.BenchReport.FreshnessResult;
import dev.goodput.cli.bench.BenchReport.Measure;
import dev.goodput.cli.bench.BenchReport.SeriesResult;
import dev.goodput.cli.bench.BenchReport.Target;
import dev.goodput.cli.bench.BenchReport.ThroughputResult;
import dev.goodput.cli.bench.BenchReport.WorkloadInfo;
import dev.goodput.cli.bench.BenchSettings.Phase;
import dev.goodput.fleet.internal.FleetData;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Goodput benchmark (issue 6), on this machine with the embedded broker: the ceiling of a plain
 * consumer, the pipeline's throughput (exactly-once and at-least-once, one and two instances), its
 * freshness under live traffic, and memory and scrape time per active series. Every measurement is
 * repeated {@link BenchSettings#runs()} times on fresh state; the report gives each run and the
 * median.
 */
public final class Bench {

  private static final long HOUR_MS = 3_600_000L;
  private static final String EOS = StreamsConfig.EXACTLY_ONCE_V2;
  private static final String ALOS = StreamsConfig.AT_LEAST_ONCE;

  /** Warm-up runs at least, whatever the JIT does. */
  private static final int MIN_WARMUP_RUNS = 2;

  /**
   * Whether warm-up run {@code run} (from 1), which used {@code cpu} over {@code seconds}, ends the
   * warm-up: the JIT was quiet in it, and it is at least the {@link #MIN_WARMUP_RUNS}th (or the
   * first, when only one is allowed).
   */
  private static boolean warmedUp(BenchSettings settings, int run, CpuUsage cpu, double seconds) {
    return run >= Math.min(MIN_WARMUP_RUNS, settings.warmupRuns()) && cpu.jitQuiet(seconds);
  }

  private Bench() {}

  /** Runs the phases of {@code settings}, with a progress line per step on {@code progressOut}. */
  public static BenchReport run(BenchSettings settings, PrintStream progressOut)
      throws InterruptedException {
    Progress progress = new Progress(progressOut);
    Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    long startNs = System.nanoTime();
    Machine machine = Machine.current();
    progress.phase("machine: %s", machine.describe());
    Path stateRoot = settings.dataDir().resolve("state");

    Throughputs t =
        settings.runs(Phase.CEILING)
                || settings.runs(Phase.THROUGHPUT)
                || settings.runs(Phase.SCALING)
            ? throughputs(settings, stateRoot, progress)
            : Throughputs.NONE;
    FreshnessResult freshness =
        settings.runs(Phase.FRESHNESS) ? freshness(settings, stateRoot, t.eos(), progress) : null;
    List<SeriesResult> series =
        settings.runs(Phase.MEMORY) ? series(settings, stateRoot, progress) : null;
    Profile.Summary profile =
        settings.profile() != null ? profile(settings, stateRoot, progress) : null;

    return new BenchReport(
        started.toString(),
        (System.nanoTime() - startNs) / 1e9,
        machine,
        settings,
        t.workload(),
        t.ceiling(),
        t.ceilingRuns(),
        t.floor(),
        t.floorRuns(),
        t.warmup(),
        t.eos(),
        t.alos(),
        t.two(),
        freshness,
        series,
        profile,
        targets(t.eos(), freshness, series));
  }

  /** What the phases on the pre-loaded input measured; null where a phase did not run. */
  private record Throughputs(
      WorkloadInfo workload,
      Measure ceiling,
      List<Throughput.CeilingRun> ceilingRuns,
      Measure floor,
      List<Throughput.CeilingRun> floorRuns,
      List<Throughput.Run> warmup,
      ThroughputResult eos,
      ThroughputResult alos,
      ThroughputResult two) {
    static final Throughputs NONE =
        new Throughputs(null, null, null, null, null, List.of(), null, null, null);
  }

  /**
   * The ceiling, the warm-up runs, the exactly-once and at-least-once runs and the runs with two
   * instances, on one broker with the input pre-loaded.
   */
  private static Throughputs throughputs(BenchSettings settings, Path stateRoot, Progress progress)
      throws InterruptedException {
    int runs = settings.runs();
    try (BenchBroker broker =
        BenchBroker.start(settings.dataDir().resolve("broker-throughput"), settings.partitions())) {
      Workload w = input(settings);
      progress.phase(
          "input: loading %,d records, %,d tenants, %.1f%% resends",
          settings.records(), w.tenants(), 100 * settings.duplicateRatio());
      Loader.Loaded loaded = load(broker, w, settings.records(), progress);
      WorkloadInfo workload =
          new WorkloadInfo(
              loaded.records(),
              loaded.duplicates(),
              w.tenants(),
              FleetData.bundled().models().size(),
              w.zipfExponent(),
              (double) loaded.bytes() / loaded.records(),
              loaded.seconds());
      progress.detail(
          "loaded in %.1f s (%,.0f records/s, %.0f bytes/record)",
          loaded.seconds(), loaded.records() / loaded.seconds(), workload.bytesPerRecord());

      Measure ceiling = null;
      List<Throughput.CeilingRun> ceilingRuns = null;
      if (settings.runs(Phase.CEILING)) {
        ceilingRuns = new ArrayList<>();
        // Warm-up runs until the JIT is quiet, as for the pipeline: with a single one, the runs
        // counted rose from run to run (268k, 325k, 404k events/s in one full run, against 626k in
        // the ceiling runs paired with the pipeline's minutes later), and the ratio to their median
        // flattered the pipeline.
        for (int k = 1; k <= settings.warmupRuns(); k++) {
          Throughput.CeilingRun c = Throughput.ceiling(broker.bootstrap(), loaded.records());
          double seconds = c.records() / c.eventsPerS();
          progress.phase(
              "ceiling warm-up run %d (not counted): %,.0f events/s (the JIT used %.2f cores)",
              k, c.eventsPerS(), c.cpu().jitCores(seconds));
          if (warmedUp(settings, k, c.cpu(), seconds)) {
            break;
          }
        }
        for (int r = 1; r <= runs; r++) {
          Throughput.CeilingRun c = ceilingRun(broker, loaded);
          progress.phase("ceiling run %d/%d: %s", r, runs, c.summary("consumer thread"));
          ceilingRuns.add(c);
        }
        ceiling = Measure.of(ceilingRuns, Throughput.CeilingRun::eventsPerS);
      }
      double ceilingMedian = ceiling == null ? Double.NaN : ceiling.median();

      List<Throughput.Run> warmup = new ArrayList<>();
      ThroughputResult eos = null;
      ThroughputResult alos = null;
      ThroughputResult two = null;
      if (settings.runs(Phase.THROUGHPUT) || settings.runs(Phase.SCALING)) {
        // The JIT compiles for tens of seconds of CPU at first, on one of few cores, and goes on
        // recompiling for several runs: the measured runs start once it is quiet, as in a
        // long-running pipeline.
        for (int r = 1; r <= settings.warmupRuns(); r++) {
          Throughput.Run run =
              pipelineRun(
                  broker, "bench-warmup-" + r, EOS, 1, settings, loaded, stateRoot, progress, -r);
          warmup.add(run);
          double steadySeconds = run.seconds() - run.startupSeconds();
          if (warmedUp(settings, r, run.steadyCpu(), steadySeconds)) {
            progress.detail(
                "the JIT used %.2f cores in that run (under %.2f): warm-up done",
                run.steadyCpu().jitCores(steadySeconds), CpuUsage.QUIET_JIT_CORES);
            break;
          }
        }
      }
      Measure floor = null;
      List<Throughput.CeilingRun> floorRuns = null;
      if (settings.runs(Phase.CEILING)) {
        // After the warm-up runs: the Kafka Streams runtime is compiled by then, as in the
        // pipeline's measured runs.
        floorRuns = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
          Throughput.CeilingRun c =
              StreamsFloor.run(
                  broker,
                  "bench-floor-" + r,
                  EOS,
                  settings.partitions(),
                  settings.streamThreads(),
                  stateRoot,
                  loaded.records());
          progress.phase(
              "Kafka Streams floor run %d/%d (exactly-once, parse only): %s",
              r, runs, c.summary("stream threads"));
          floorRuns.add(c);
        }
        floor = Measure.of(floorRuns, Throughput.CeilingRun::eventsPerS);
      }
      if (settings.runs(Phase.THROUGHPUT)) {
        eos =
            runs(
                broker, "bench-eos-", EOS, 1, settings, loaded, stateRoot, progress, ceilingMedian);
        alos =
            runs(
                broker,
                "bench-alos-",
                ALOS,
                1,
                settings,
                loaded,
                stateRoot,
                progress,
                ceilingMedian);
      }
      if (settings.runs(Phase.SCALING)) {
        two =
            runs(
                broker, "bench-two-", EOS, 2, settings, loaded, stateRoot, progress, ceilingMedian);
      }
      return new Throughputs(
          workload, ceiling, ceilingRuns, floor, floorRuns, warmup, eos, alos, two);
    }
  }

  /** The input of the throughput phases. */
  private static Workload input(BenchSettings settings) {
    return Workload.ofTenants(
        settings.tenants(), "bench", settings.seed(), settings.duplicateRatio());
  }

  /** Produces {@code records} records of the input, timestamps over the two hours before now. */
  private static Loader.Loaded load(
      BenchBroker broker, Workload workload, long records, Progress progress) {
    long now = System.currentTimeMillis();
    return Loader.load(broker.bootstrap(), workload, records, now - 2 * HOUR_MS, now, progress);
  }

  /** {@code runs} runs of fresh applications named {@code prefix + run}; their medians. */
  private static ThroughputResult runs(
      BenchBroker broker,
      String prefix,
      String guarantee,
      int instances,
      BenchSettings settings,
      Loader.Loaded loaded,
      Path stateRoot,
      Progress progress,
      double ceiling)
      throws InterruptedException {
    // The single-instance exactly-once runs (the target's) get a ceiling run right before each, if
    // the ceiling phase ran: the ratio of each pair is measured at about one speed of the machine,
    // which the medians, minutes apart, are not.
    boolean pairCeilings = EOS.equals(guarantee) && instances == 1 && !Double.isNaN(ceiling);
    List<Throughput.Run> runs = new ArrayList<>();
    List<Double> pairedCeilings = new ArrayList<>();
    List<Double> pairedRatios = new ArrayList<>();
    List<Double> pairedConsumerUs = new ArrayList<>();
    List<Double> pairedCpuOverCeiling = new ArrayList<>();
    for (int r = 1; r <= settings.runs(); r++) {
      Throughput.CeilingRun c = null;
      if (pairCeilings) {
        c = ceilingRun(broker, loaded);
        progress.detail("ceiling run right before run %d: %s", r, c.summary("consumer thread"));
      }
      Throughput.Run run =
          pipelineRun(
              broker, prefix + r, guarantee, instances, settings, loaded, stateRoot, progress, r);
      runs.add(run);
      if (c != null) {
        double ratio = run.steadyEventsPerS() / c.eventsPerS();
        double streamUs = run.steadyCpu().streamThreadCores() / run.steadyEventsPerS() * 1e6;
        double cpuOverCeiling = streamUs / c.consumerUsPerEvent();
        pairedCeilings.add(c.eventsPerS());
        pairedRatios.add(ratio);
        pairedConsumerUs.add(c.consumerUsPerEvent());
        pairedCpuOverCeiling.add(cpuOverCeiling);
        progress.detail(
            "run %d over the ceiling run right before it: %.2f; its stream threads' CPU per event"
                + " %.1f times the ceiling consumer's",
            r, ratio, cpuOverCeiling);
      }
    }
    Measure steady = Measure.of(runs, Throughput.Run::steadyEventsPerS);
    return new ThroughputResult(
        guarantee,
        instances,
        steady,
        Measure.of(runs, Throughput.Run::totalEventsPerS),
        Measure.of(runs, Throughput.Run::startupSeconds),
        steady.median() / ceiling,
        pairCeilings ? Measure.of(pairedCeilings) : null,
        pairCeilings ? Measure.of(pairedRatios) : null,
        pairCeilings ? Measure.of(pairedConsumerUs) : null,
        pairCeilings ? Measure.of(pairedCpuOverCeiling) : null,
        runs);
  }

  /**
   * One run of the ceiling's consumer over the pre-loaded input, checked: every record parsed as
   * valid, in whole passes.
   */
  private static Throughput.CeilingRun ceilingRun(BenchBroker broker, Loader.Loaded loaded) {
    Throughput.CeilingRun c = Throughput.ceiling(broker.bootstrap(), loaded.records());
    if (c.valid() != c.records() || c.records() != c.passes() * loaded.records()) {
      throw new IllegalStateException(
          "the ceiling consumer parsed "
              + c.valid()
              + " valid of "
              + c.records()
              + " records in "
              + c.passes()
              + " passes over "
              + loaded.records());
    }
    return c;
  }

  /** Freshness at the configured rate, or at a share of the exactly-once rate. */
  private static FreshnessResult freshness(
      BenchSettings settings, Path stateRoot, ThroughputResult eos, Progress progress)
      throws InterruptedException {
    double rate =
        settings.freshnessRate() > 0
            ? settings.freshnessRate()
            : eos == null ? 0 : settings.freshnessLoad() * eos.steadyEventsPerS().median();
    if (!(rate > 0)) {
      throw new IllegalArgumentException(
          "the freshness phase needs the throughput phase, or a rate of its own");
    }
    progress.phase("freshness: live traffic at %,.0f events/s", rate);
    try (BenchBroker broker =
        BenchBroker.start(settings.dataDir().resolve("broker-freshness"), settings.partitions())) {
      List<Freshness.Window> windows =
          Freshness.measure(
              broker,
              settings.tenants(),
              settings.seed(),
              settings.duplicateRatio(),
              rate,
              settings.warmupSeconds(),
              settings.windowSeconds(),
              settings.runs(),
              settings.partitions(),
              settings.streamThreads(),
              stateRoot,
              progress);
      List<Freshness.Window> api =
          windows.stream().filter(w -> w.target() == Freshness.Target.API).toList();
      List<Freshness.Window> metrics =
          windows.stream().filter(w -> w.target() == Freshness.Target.METRICS).toList();
      return new FreshnessResult(
          rate,
          Measure.of(api, Freshness.Window::p50Ms),
          Measure.of(api, Freshness.Window::p99Ms),
          Measure.of(metrics, Freshness.Window::p50Ms),
          Measure.of(metrics, Freshness.Window::p99Ms),
          windows);
    }
  }

  /** Memory and scrape time at every size, {@code runs} times; the medians per size. */
  private static List<SeriesResult> series(
      BenchSettings settings, Path stateRoot, Progress progress) throws InterruptedException {
    int runs = settings.runs();
    List<Integer> sizes = settings.series().stream().sorted().distinct().toList();
    List<List<SeriesFootprint.Run>> all = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      progress.phase("memory and scrape run %d/%d: %s series", r, runs, sizes);
      List<SeriesFootprint.Run> run =
          SeriesFootprint.measure(
              settings.dataDir().resolve("broker-series-" + r),
              sizes,
              settings.eventsPerSeries(),
              settings.seed() + r,
              settings.duplicateRatio(),
              settings.partitions(),
              settings.streamThreads(),
              stateRoot,
              settings.scrapeRepeats(),
              progress);
      for (SeriesFootprint.Run s : run) {
        progress.detail(
            "%,d series: heap %,.0f B/series (marginal %,.0f, noise %,.0f; the instance's fixed"
                + " heap %.1f MB), state %,.0f"
                + " B/series; render %.0f ms, scrape %.0f ms guard off (%,d series, %,d bytes; gzipped %.0f ms,"
                + " %,d bytes), %.0f ms guard on (%,d series, %,d bytes); CPU: %.2f cores this"
                + " process, %.2f others",
            s.series(),
            s.heapBytesPerSeries(),
            s.marginalHeapBytesPerSeries(),
            (double) s.heapNoiseBytes() / s.series(),
            s.fixedHeapBytes() / 1e6,
            s.stateBytesPerSeries(),
            Stats.median(s.guardOff().renderMs()),
            Stats.median(s.guardOff().ms()),
            s.guardOff().seriesExported(),
            s.guardOff().bytes(),
            Stats.median(s.guardOff().gzipMs()),
            s.guardOff().gzipBytes(),
            Stats.median(s.guardOn().ms()),
            s.guardOn().seriesExported(),
            s.guardOn().bytes(),
            s.cpu().processCores(),
            s.cpu().otherCores());
      }
      all.add(run);
    }
    List<SeriesResult> out = new ArrayList<>();
    for (int i = 0; i < sizes.size(); i++) {
      int at = i;
      List<SeriesFootprint.Run> sizeRuns = all.stream().map(run -> run.get(at)).toList();
      out.add(
          new SeriesResult(
              sizes.get(i),
              Measure.of(sizeRuns, x -> (double) x.fixedHeapBytes()),
              Measure.of(sizeRuns, SeriesFootprint.Run::heapBytesPerSeries),
              Measure.of(sizeRuns, SeriesFootprint.Run::marginalHeapBytesPerSeries),
              Measure.of(sizeRuns, SeriesFootprint.Run::stateBytesPerSeries),
              Measure.of(sizeRuns, x -> Stats.median(x.guardOff().renderMs())),
              Measure.of(sizeRuns, x -> Stats.median(x.guardOff().ms())),
              Measure.of(sizeRuns, x -> Stats.median(x.guardOff().gzipMs())),
              Measure.of(sizeRuns, x -> Stats.median(x.guardOn().ms())),
              sizeRuns));
    }
    return out;
  }

  /**
   * An extra exactly-once run, last, on a broker of its own, recorded with Java Flight Recorder.
   * Starting a recording makes the JIT recompile much of the code (the JDK's own events are woven
   * in), and stopping one does it again: so a first recording spans a warm-up run and the whole
   * profiled run, and the recording kept starts with the profiled run.
   */
  private static Profile.Summary profile(BenchSettings settings, Path stateRoot, Progress progress)
      throws InterruptedException {
    try (BenchBroker broker =
        BenchBroker.start(settings.dataDir().resolve("broker-profile"), settings.partitions())) {
      progress.phase("profile: an extra exactly-once run with Java Flight Recorder");
      // Enough samples in the recording: three times the input, up to a million records.
      long records = Math.min(3 * settings.records(), Math.max(settings.records(), 1_000_000));
      Loader.Loaded loaded = load(broker, input(settings), records, progress);
      Profile outer = Profile.start(settings.dataDir().resolve("warm-up.jfr"));
      try {
        pipelineRun(
            broker, "bench-profile-warmup", EOS, 1, settings, loaded, stateRoot, progress, -1);
        Throughput.Run profiled;
        Profile recording = Profile.start(settings.profile());
        try {
          profiled =
              pipelineRun(
                  broker, "bench-profiled", EOS, 1, settings, loaded, stateRoot, progress, 0);
        } finally {
          recording.close();
        }
        progress.detail("flight recording of that run: %s", settings.profile());
        return Profile.summarize(settings.profile(), 20, profiled);
      } finally {
        outer.discard();
      }
    }
  }

  private static Throughput.Run pipelineRun(
      BenchBroker broker,
      String applicationId,
      String guarantee,
      int instances,
      BenchSettings settings,
      Loader.Loaded loaded,
      Path stateRoot,
      Progress progress,
      int run)
      throws InterruptedException {
    Throughput.Run r =
        Throughput.run(
            broker,
            applicationId,
            guarantee,
            instances,
            settings.partitions(),
            settings.streamThreads(),
            loaded.records(),
            stateRoot,
            run > 0 && instances == 1,
            progress);
    Throughput.Counts c = r.counts();
    if (c.accepted() != loaded.uniqueEvents()
        || c.duplicate() != loaded.duplicates()
        || c.rejected() != 0
        || c.expired() != 0) {
      throw new IllegalStateException(
          applicationId
              + ": outcomes "
              + c
              + " do not match the input ("
              + loaded.uniqueEvents()
              + " events, "
              + loaded.duplicates()
              + " resends)");
    }
    String which =
        run > 0
            ? String.format(Locale.ROOT, "run %d/%d", run, settings.runs())
            : run < 0 ? "warm-up run " + -run + " (not counted)" : "profiled run (not counted)";
    progress.phase(
        "%s, %d instance(s), %s: steady %,.0f events/s, start to end %,.0f events/s"
            + " (%.1f s, first output after %.1f s; CPU: %.2f cores this process, %.2f others,"
            + " stream threads %.2f cores = %.1f us/event; JIT %,d ms, GC %,d ms; busiest"
            + " threads: %s)",
        guarantee,
        instances,
        which,
        r.steadyEventsPerS(),
        r.totalEventsPerS(),
        r.seconds(),
        r.startupSeconds(),
        r.steadyCpu().processCores(),
        r.steadyCpu().otherCores(),
        r.steadyCpu().streamThreadCores(),
        r.steadyCpu().streamThreadCores() / r.steadyEventsPerS() * 1e6,
        r.steadyCpu().jitMs(),
        r.steadyCpu().gcMs(),
        r.steadyCpu().busiestGroups(6));
    if (r.restart() != null) {
      progress.detail(
          "restarted on its own state after a clean stop: answering after %.1f s,"
              + " %,d records restored from the changelogs",
          r.restart().secondsToQueryable(), r.restart().restoredRecords());
    }
    return r;
  }

  /** The targets of issue 6 for this 2-core machine, against the medians. */
  private static List<Target> targets(
      ThroughputResult eos, FreshnessResult freshness, List<SeriesResult> series) {
    List<Target> out = new ArrayList<>();
    if (eos != null) {
      out.add(Target.atLeast("exactly-once throughput", 100_000, eos.steadyEventsPerS().median()));
      if (!Double.isNaN(eos.steadyRatioToCeiling())) {
        out.add(
            Target.atLeast("exactly-once ratio to the ceiling", 0.5, eos.steadyRatioToCeiling()));
      }
    }
    if (freshness != null) {
      out.add(Target.atMost("freshness p99 to the usage API", 500, freshness.apiP99Ms().median()));
      out.add(Target.atMost("freshness p99 to /metrics", 1000, freshness.metricsP99Ms().median()));
    }
    if (series != null) {
      for (SeriesResult s : series) {
        out.add(
            Target.atMost(
                "heap per active series at " + s.series() + " series",
                8 * 1024,
                s.heapBytesPerSeries().median()));
        if (s.series() == 10_000) {
          out.add(
              Target.atMost(
                  "render /metrics at " + s.series() + " series, guard off",
                  100,
                  s.renderMsGuardOff().median()));
        }
      }
    }
    return out;
  }
}
