package dev.goodput.cli.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The machine and JVM a benchmark ran on. */
record Machine(
    int cores,
    long memoryBytes,
    String cpu,
    String os,
    String jvm,
    long maxHeapBytes,
    List<String> gc,
    List<String> jvmArguments) {

  static Machine current() {
    long memory = 0;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize();
    }
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        memory,
        cpuModel(),
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " ("
            + System.getProperty("os.arch")
            + ")",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        Runtime.getRuntime().maxMemory(),
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .toList(),
        ManagementFactory.getRuntimeMXBean().getInputArguments());
  }

  private static String cpuModel() {
    Path info = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(info)) {
      return "unknown";
    }
    try (Stream<String> lines = Files.lines(info)) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** One line: cores, memory, CPU, OS, JVM, heap. */
  String describe() {
    return String.format(
        "%d cores (%s), %.1f GiB memory, %s, %s, max heap %.1f GiB, %s",
        cores,
        cpu,
        memoryBytes / (double) (1L << 30),
        os,
        jvm,
        maxHeapBytes / (double) (1L << 30),
        String.join(" + ", gc));
  }
}
