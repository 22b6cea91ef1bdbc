package dev.goodput.cli.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * CPU used between two points in time, in cores: by this process (broker, pipeline and benchmark
 * alike) and by everything else on the machine (from {@code /proc/stat}; NaN where there is none);
 * the CPU time of this JVM's JIT compiler threads (from {@code /proc}; elsewhere the JVM's
 * compilation time, which is wall time); the CPU time of this JVM's Kafka Streams stream threads
 * (the pipeline's own work, less exposed than a rate to what else the machine does); and the time
 * it spent collecting garbage meanwhile. A run with other work on the machine, or much compiling,
 * is not comparable; the report shows it.
 */
record CpuUsage(
    double processCores,
    double otherCores,
    double streamThreadCores,
    Map<String, Double> threadGroupCores,
    long jitMs,
    long gcMs) {

  /** Thread groups of {@link #threadGroupCores}: a thread's name with its ids and numbers as #. */
  static String threadGroup(String threadName) {
    return threadName
        .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "#")
        .replaceAll("[0-9]+", "#");
  }

  /** The {@code n} busiest thread groups, as "group cores" pairs, busiest first. */
  String busiestGroups(int n) {
    return threadGroupCores.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(n)
        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }

  /**
   * Below this many cores of JIT compilation on average, the JIT is quiet: warm-up (of the
   * throughput runs and of the freshness traffic) ends.
   */
  static final double QUIET_JIT_CORES = 0.1;

  /** The cores the JIT compiled on, on average, over {@code seconds}. */
  double jitCores(double seconds) {
    return seconds > 0 ? jitMs / 1000.0 / seconds : Double.NaN;
  }

  /** Whether the JIT compiled on less than {@link #QUIET_JIT_CORES} over {@code seconds}. */
  boolean jitQuiet(double seconds) {
    return jitCores(seconds) < QUIET_JIT_CORES;
  }

  /** A point to measure from. */
  record Mark(
      long wallNs,
      long processNs,
      long busyTicks,
      long allTicks,
      Map<Long, ThreadCpu> threads,
      long jitMs,
      long gcMs) {}

  /** A live thread's {@link #threadGroup} and CPU time. */
  record ThreadCpu(String group, long ns) {}

  static Mark mark() {
    long process = -1;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      process = os.getProcessCpuTime();
    }
    long[] ticks = ticks();
    long jitMs = compilerCpuMs();
    if (jitMs < 0) {
      CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
      jitMs =
          jit != null && jit.isCompilationTimeMonitoringSupported()
              ? jit.getTotalCompilationTime()
              : 0;
    }
    long gcMs = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMs += Math.max(0, gc.getCollectionTime());
    }
    return new Mark(System.nanoTime(), process, ticks[0], ticks[1], threadCpu(), jitMs, gcMs);
  }

  /** The name of the stream threads' group (see {@link #threadGroup}). */
  private static final String STREAM_THREADS = "#-StreamThread-#";

  /**
   * CPU time of this JVM's live threads by thread id, with their {@link #threadGroup} (the stream
   * threads of the bench's Kafka Streams clients are {@link #STREAM_THREADS}; the JIT's and the
   * GC's threads are not Java threads and are not here), or an empty map where the JVM does not
   * measure thread CPU time.
   */
  private static Map<Long, ThreadCpu> threadCpu() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, ThreadCpu> out = new HashMap<>();
    if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
      return out;
    }
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long ns = threads.getThreadCpuTime(t.getThreadId());
      if (ns > 0) {
        String name = t.getThreadName();
        // Streams clients are named after their application: one group for all of them.
        String group = name.matches(".*-StreamThread-[0-9]+$") ? STREAM_THREADS : threadGroup(name);
        out.put(t.getThreadId(), new ThreadCpu(group, ns));
      }
    }
    return out;
  }

  /**
   * CPU time by thread group between two marks: of each thread alive at the second, what it used
   * since the first (all of it if it started since). A thread that ended in between is not counted
   * (its last CPU time is gone with it), so take marks while the clients run; before, the sums by
   * group went negative when a client of the previous run ended in between.
   */
  static Map<String, Long> groupNsBetween(Map<Long, ThreadCpu> from, Map<Long, ThreadCpu> to) {
    Map<String, Long> out = new HashMap<>();
    to.forEach(
        (id, t) -> {
          ThreadCpu before = from.get(id);
          out.merge(t.group(), t.ns() - (before == null ? 0 : before.ns()), Long::sum);
        });
    return out;
  }

  /** The usage from {@code from} to now. */
  static CpuUsage since(Mark from) {
    Mark to = mark();
    double wallNs = to.wallNs() - from.wallNs();
    double processCores =
        from.processNs() < 0 || wallNs <= 0
            ? Double.NaN
            : (to.processNs() - from.processNs()) / wallNs;
    double other = Double.NaN;
    long all = to.allTicks() - from.allTicks();
    if (from.allTicks() > 0 && all > 0) {
      double machineCores =
          (double) (to.busyTicks() - from.busyTicks())
              / all
              * Runtime.getRuntime().availableProcessors();
      other = Math.max(0, machineCores - processCores);
    }
    Map<String, Double> groups = new TreeMap<>();
    if (wallNs > 0) {
      groupNsBetween(from.threads(), to.threads())
          .forEach((group, ns) -> groups.put(group, ns / wallNs));
    }
    return new CpuUsage(
        processCores,
        other,
        groups.getOrDefault(STREAM_THREADS, Double.NaN),
        groups,
        to.jitMs() - from.jitMs(),
        to.gcMs() - from.gcMs());
  }

  /** Clock ticks per second of {@code /proc}'s CPU times (Linux's USER_HZ). */
  private static final long TICKS_PER_S = 100;

  /**
   * CPU time of this JVM's JIT compiler threads (user and system, from {@code
   * /proc/self/task/}{@code *}{@code /stat}), or -1 where there is no such file. The JVM's own
   * compilation time is wall time: on a busy machine it counts the waits for a core too.
   */
  private static long compilerCpuMs() {
    try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      long ticks = 0;
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread has ended
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String name = stat.substring(open + 1, close);
        if (!name.startsWith("C1 Compiler") && !name.startsWith("C2 Compiler")) {
          continue;
        }
        // After the name: state (field 3), ..., utime (field 14), stime (field 15).
        String[] f = stat.substring(close + 2).split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      }
      return ticks * 1000 / TICKS_PER_S;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Busy and total ticks of all CPUs, or zeros where {@code /proc/stat} cannot be read. */
  private static long[] ticks() {
    try {
      String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = cpu.trim().split("\\s+");
      long all = 0;
      long idle = 0;
      for (int i = 1; i < f.length; i++) {
        long v = Long.parseLong(f[i]);
        // user nice system idle iowait irq softirq steal guest guest_nice: guests are in user
        if (i <= 8) {
          all += v;
        }
        if (i == 4 || i == 5) {
          idle += v;
        }
      }
      return new long[] {all - idle, all};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }
}
