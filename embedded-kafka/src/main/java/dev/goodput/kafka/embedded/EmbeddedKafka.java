package dev.goodput.kafka.embedded;

import dev.goodput.kafka.embedded.internal.HangingTransactionReaper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) running in this
 * JVM, listening on 127.0.0.1. Its log lives under a directory of the caller's; starting again on
 * the same directory continues with the same cluster, topics and committed offsets. It is set up
 * for exactly-once on one node (transaction and offset topics with one replica).
 */
public final class EmbeddedKafka implements AutoCloseable {

  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final FileChannel lock;
  private final HangingTransactionReaper reaper;

  private EmbeddedKafka(
      KafkaRaftServer server,
      String bootstrapServers,
      FileChannel lock,
      HangingTransactionReaper reaper) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.lock = lock;
    this.reaper = reaper;
  }

  /**
   * Starts a broker, formatting {@code logDir} first if it holds no broker yet.
   *
   * @param logDir the broker's data directory, created if missing
   * @param port the client port; 0 picks a free one
   * @param formatLog where the one-time format step prints (e.g. a log file, or a null stream)
   * @throws IllegalStateException if the port is taken or the broker cannot start
   */
  public static EmbeddedKafka start(Path logDir, int port, PrintStream formatLog) {
    FileChannel lock = lockDirectory(logDir);
    int clientPort = port == 0 ? freePort() : port;
    int controllerPort = freePort();
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toAbsolutePath().toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // One node: nobody else will join, so do not wait for them.
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("group.streams.initial.rebalance.delay.ms", "0");
    p.put("group.streams.assignment.interval.ms", "0");
    p.put("group.consumer.assignment.interval.ms", "0");
    p.put("auto.create.topics.enable", "false");
    KafkaConfig config = KafkaConfig.fromProps(p, false);
    try {
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        Files.createDirectories(logDir);
        new Formatter()
            .setPrintStream(formatLog)
            .setNodeId(config.nodeId())
            .setClusterId(Uuid.randomUuid().toString())
            .setControllerListenerName("CONTROLLER")
            .setMetadataLogDirectory(config.metadataLogDir())
            .setDirectories(List.of(logDir.toAbsolutePath().toString()))
            .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
            .run();
      }
    } catch (Exception e) {
      closeQuietly(lock);
      throw new IllegalStateException(
          "could not format the Kafka log directory " + logDir + ": " + e.getMessage(), e);
    }
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      closeQuietly(lock);
      throw new IllegalStateException(
          "the embedded Kafka broker did not start on 127.0.0.1:"
              + clientPort
              + " ("
              + e.getMessage()
              + "); is the port taken? Choose another with --kafka-port.",
          e);
    }
    String bootstrap = "127.0.0.1:" + clientPort;
    // A single node killed mid-commit can leave transactions hanging; see the reaper.
    return new EmbeddedKafka(
        server, bootstrap, lock, HangingTransactionReaper.start(bootstrap, 5_000));
  }

  /** {@code host:port} for clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Stops the broker cleanly and waits until it has. */
  @Override
  public void close() {
    reaper.close();
    server.shutdown();
    server.awaitShutdown();
    closeQuietly(lock);
  }

  /**
   * Two brokers on one log directory corrupt it, and Kafka's own lock is taken only after the
   * metadata log is open; so hold a lock of our own first.
   */
  private static FileChannel lockDirectory(Path logDir) {
    Path lockFile = logDir.toAbsolutePath().resolveSibling(logDir.getFileName() + ".lock");
    try {
      Files.createDirectories(lockFile.getParent());
      FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      if (channel.tryLock() == null) {
        channel.close();
        throw new IllegalStateException(
            "another process is running a broker on "
                + logDir
                + "; stop it first, or use another data directory");
      }
      return channel;
    } catch (IOException | OverlappingFileLockException e) {
      throw new IllegalStateException(
          "could not lock " + lockFile + " (" + e.getMessage() + "); is another broker using it?",
          e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing releases the lock; the OS releases it at exit anyway.
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on 127.0.0.1", e);
    }
  }
}
