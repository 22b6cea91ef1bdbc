package dev.goodput.cli.internal;

import dev.goodput.kafka.embedded.EmbeddedKafka;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka broker of the integration tests: the project's embedded KRaft broker by default, or,
 * with {@code -Dgoodput.test.kafka=testcontainers} on a machine with Docker, Testcontainers' {@code
 * apache/kafka} image of the same version.
 */
final class TestKafka implements AutoCloseable {

  static final String IMAGE = "apache/kafka:4.4.0";

  private final AutoCloseable broker;
  private final String bootstrapServers;

  private TestKafka(AutoCloseable broker, String bootstrapServers) {
    this.broker = broker;
    this.bootstrapServers = bootstrapServers;
  }

  static TestKafka start(Path dataDir) {
    if ("testcontainers".equals(System.getProperty("goodput.test.kafka"))) {
      KafkaContainer container = new KafkaContainer(IMAGE);
      container.start();
      return new TestKafka(container, container.getBootstrapServers());
    }
    EmbeddedKafka kafka =
        EmbeddedKafka.start(dataDir, 0, new PrintStream(OutputStream.nullOutputStream()));
    return new TestKafka(kafka, kafka.bootstrapServers());
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() {
    try {
      broker.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the test broker", e);
    }
  }
}
