package dev.goodput.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code goodput run} in a child JVM on the test's class path (see {@link #snapshotClassPath}): the
 * streams application and the API in one process that the test can SIGKILL, against a broker that
 * outlives it. Its standard output and error go to a file.
 */
final class PipelineProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path output;
  private final URI api;
  private final String bootstrap;
  // One client per process: pooled connections to a killed process are of no use to the next.
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PipelineProcess(
      String name, Process process, Path output, int apiPort, String bootstrap) {
    this.name = name;
    this.process = process;
    this.output = output;
    this.api = URI.create("http://127.0.0.1:" + apiPort);
    this.bootstrap = bootstrap;
  }

  /**
   * This JVM's class path with every entry a build may rewrite (a {@code target} directory's
   * output, a SNAPSHOT jar) replaced by a verified copy under {@code into}: other builds on the
   * same machine must not swap the classes of a running child process from under it.
   */
  static String snapshotClassPath(Path into) throws IOException, InterruptedException {
    Files.createDirectories(into);
    List<String> out = new ArrayList<>();
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path source = Path.of(entry);
      boolean mutable = entry.contains("/target/") || entry.contains("-SNAPSHOT");
      if (!mutable || !Files.exists(source)) {
        out.add(entry);
        continue;
      }
      Path copy = into.resolve(n++ + "-" + source.getFileName());
      if (Files.isDirectory(source)) {
        copyTree(source, copy);
      } else {
        copyJar(source, copy);
      }
      out.add(copy.toString());
    }
    return String.join(File.pathSeparator, out);
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path t = target.resolve(source.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** Copies a jar, retrying until the copy is a whole, readable jar of one unchanged version. */
  private static void copyJar(Path source, Path target) throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 30; attempt++) {
      try {
        FileTime before = Files.getLastModifiedTime(source);
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        if (before.equals(Files.getLastModifiedTime(source))) {
          readEveryEntry(target);
          return;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(1_000);
    }
    throw new IOException("no stable copy of " + source + " within 30 s", last);
  }

  /** Reading each entry to its end checks its CRC. */
  private static void readEveryEntry(Path jar) throws IOException {
    byte[] buffer = new byte[1 << 16];
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (ZipEntry e : Collections.list(zip.entries())) {
        try (InputStream in = zip.getInputStream(e)) {
          while (in.read(buffer) >= 0) {
            // only the checksum matters
          }
        }
      }
    }
  }

  /**
   * Starts {@code goodput run --insecure} on a config file whose {@code kafka.bootstrap.servers} is
   * {@code bootstrap} and whose {@code api.port} is {@code apiPort}; returns at once.
   */
  static PipelineProcess start(
      String name, String classPath, Path config, int apiPort, String bootstrap, Path output)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Two JVMs share a small machine with other builds: keep this one lean.
    command.add("-Xmx512m");
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(classPath);
    command.add("dev.goodput.cli.Goodput");
    command.addAll(List.of("run", "--config", config.toString(), "--insecure"));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    return new PipelineProcess(name, p, output, apiPort, bootstrap);
  }

  URI api() {
    return api;
  }

  String bootstrapServers() {
    return bootstrap;
  }

  long pid() {
    return process.pid();
  }

  /** Waits until {@code path} answers 200, failing early if the process has exited. */
  void await(String path, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            name + " exited with code " + process.exitValue() + " before " + path + " answered");
      }
      try {
        if (get(path).statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // The API binds only after the streams client has started.
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + ": " + path + " did not answer 200 within " + timeout);
  }

  /** One GET against the API; throws if the connection fails. */
  HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(api.resolve(pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** SIGKILL (on Linux): no shutdown hook, no clean close of the streams client. */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " did not die within 30 s of SIGKILL");
    }
    return process.exitValue();
  }

  /** What the process printed, for a failure report. */
  String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return name;
  }

  /**
   * For a failure report, while the process is alive: its stream threads' stacks, and what its
   * broker says about open transactions and the application's consumer group.
   */
  void diagnose() {
    if (!process.isAlive()) {
      return;
    }
    System.out.println("==== diagnosis of " + name);
    try {
      Process jcmd =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(process.pid()),
                  "Thread.print")
              .redirectErrorStream(true)
              .start();
      String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      for (String thread : dump.split("\n\n")) {
        if (thread.contains("StreamThread") || thread.contains("GlobalStreamThread")) {
          System.out.println(thread);
        }
      }
    } catch (IOException e) {
      System.out.println("no thread dump: " + e);
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    try (Admin admin = Admin.create(p)) {
      List<String> ids =
          admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
              .map(TransactionListing::transactionalId)
              .toList();
      admin
          .describeTransactions(ids)
          .all()
          .get(10, TimeUnit.SECONDS)
          .forEach((id, d) -> System.out.println("transaction " + id + ": " + d));
      // A partition whose last stable offset is behind its end, with an open transaction that
      // its coordinator no longer knows, blocks every read_committed reader for good
      List<TopicPartition> partitions = new ArrayList<>();
      Set<String> topics =
          admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
      admin
          .describeTopics(topics)
          .allTopicNames()
          .get(10, TimeUnit.SECONDS)
          .forEach(
              (t, d) ->
                  d.partitions()
                      .forEach(i -> partitions.add(new TopicPartition(t, i.partition()))));
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResultInfo> end =
          admin
              .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
              .all()
              .get(10, TimeUnit.SECONDS);
      Map<TopicPartition, ListOffsetsResultInfo> stable =
          admin
              .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
              .all()
              .get(10, TimeUnit.SECONDS);
      Map<TopicPartition, PartitionProducerState> producers =
          admin.describeProducers(partitions).all().get(10, TimeUnit.SECONDS);
      for (TopicPartition tp : partitions) {
        if (end.get(tp).offset() != stable.get(tp).offset()) {
          System.out.println(
              tp
                  + ": end offset "
                  + end.get(tp).offset()
                  + ", last stable offset "
                  + stable.get(tp).offset()
                  + ", open transactions "
                  + producers.get(tp).activeProducers().stream()
                      .filter(s -> s.currentTransactionStartOffset().isPresent())
                      .toList());
        }
      }
      System.out.println(
          "group: "
              + admin.describeConsumerGroups(List.of("goodput")).all().get(10, TimeUnit.SECONDS));
      System.out.println(
          "committed offsets (partitions with a pending transactional commit are missing): "
              + admin
                  .listConsumerGroupOffsets(
                      "goodput", new ListConsumerGroupOffsetsOptions().requireStable(true))
                  .partitionsToOffsetAndMetadata()
                  .get(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      System.out.println("broker diagnosis failed: " + e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
