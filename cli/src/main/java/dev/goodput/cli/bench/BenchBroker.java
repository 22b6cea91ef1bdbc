package dev.goodput.cli.bench;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.cli.internal.ConfigFile;
import dev.goodput.cli.internal.DemoCatalog;
import dev.goodput.kafka.embedded.EmbeddedKafka;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.StreamsAppConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * An embedded broker of the benchmark in its own directory, with the public topics and the demo's
 * prices and SLO policies. Closing it stops the broker and deletes the directory.
 */
final class BenchBroker implements AutoCloseable {

  private final EmbeddedKafka kafka;
  private final Path dir;
  private final Map<String, String> clients;
  private final HistogramEdges edges;

  private BenchBroker(EmbeddedKafka kafka, Path dir, HistogramEdges edges) {
    this.kafka = kafka;
    this.dir = dir;
    this.clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
    this.edges = edges;
  }

  /** Starts a broker in {@code dir} and creates the topics with {@code partitions} partitions. */
  static BenchBroker start(Path dir, int partitions) {
    EmbeddedKafka kafka =
        EmbeddedKafka.start(
            dir.resolve("kafka"), 0, new PrintStream(OutputStream.nullOutputStream()));
    try {
      Map<String, String> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
      Catalog catalog =
          DemoCatalog.apply(clients, ConfigFile.empty(), new StreamsAppConfig(topics(partitions)));
      return new BenchBroker(kafka, dir, HistogramEdges.of(catalog));
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /** The settings that create the topics: partitions, one replica. */
  static Map<String, String> topics(int partitions) {
    return Map.of(
        StreamsAppConfig.TOPIC_PARTITIONS,
        Integer.toString(partitions),
        StreamsAppConfig.TOPIC_REPLICATION_FACTOR,
        "1");
  }

  String bootstrap() {
    return kafka.bootstrapServers();
  }

  Map<String, String> clients() {
    return clients;
  }

  /** The histogram edges of the demo catalog's SLO targets. */
  HistogramEdges edges() {
    return edges;
  }

  Path dir() {
    return dir;
  }

  /** Deletes the internal topics of an application that is no longer running. */
  void deleteInternalTopics(String applicationId) {
    try (Admin admin = Admin.create(Map.<String, Object>copyOf(clients))) {
      List<String> internal =
          admin.listTopics().names().get().stream()
              .filter(t -> t.startsWith(applicationId + "-"))
              .toList();
      if (!internal.isEmpty()) {
        admin.deleteTopics(internal).all().get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "could not delete the topics of " + applicationId + ": " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    kafka.close();
    deleteTree(dir);
  }

  /** Deletes a directory and everything under it; a missing one is fine. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }
}
