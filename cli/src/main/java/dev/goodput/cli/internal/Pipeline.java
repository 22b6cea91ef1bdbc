package dev.goodput.cli.internal;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.exporters.api.PipelineMetrics;
import dev.goodput.exporters.internal.SourceEvents;
import dev.goodput.streams.api.ApiConfig;
import dev.goodput.streams.api.ApiServer;
import dev.goodput.streams.api.ClusterUsage;
import dev.goodput.streams.api.GoodputTopology;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.RocksDbThreads;
import dev.goodput.streams.api.StreamsAppConfig;
import dev.goodput.streams.api.Topic;
import dev.goodput.streams.api.Topics;
import dev.goodput.streams.api.UsageQueries;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the pipeline: the public topics (created if missing), the Kafka Streams
 * application, and the HTTP API with {@code /metrics}. Closing it stops them in reverse order.
 */
public final class Pipeline implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final KafkaStreams streams;
  private final UsageQueries queries;
  private final PipelineMetrics metrics;
  private final ApiServer api;
  private final RestoreProgress restore;

  private Pipeline(
      KafkaStreams streams,
      UsageQueries queries,
      PipelineMetrics metrics,
      ApiServer api,
      RestoreProgress restore) {
    this.streams = streams;
    this.queries = queries;
    this.metrics = metrics;
    this.api = api;
    this.restore = restore;
  }

  /**
   * Starts the pipeline against the Kafka cluster named in {@code kafka} (client properties).
   *
   * @throws IllegalStateException if the topics cannot be created or the API port is taken
   */
  public static Pipeline start(
      Map<String, String> kafka, StreamsAppConfig streamsConfig, ApiConfig apiConfig) {
    return start(kafka, streamsConfig, apiConfig, HistogramEdges.of(Catalog.EMPTY));
  }

  /**
   * Starts the pipeline; the exported histograms have {@code edges} (the base set and the SLO
   * targets known at start-up).
   */
  public static Pipeline start(
      Map<String, String> kafka,
      StreamsAppConfig streamsConfig,
      ApiConfig apiConfig,
      HistogramEdges edges) {
    return start(kafka, streamsConfig, apiConfig, edges, MetricsConfig.DEFAULT);
  }

  /** Starts the pipeline with the cardinality guard and budgets of {@code metricsConfig}. */
  public static Pipeline start(
      Map<String, String> kafka,
      StreamsAppConfig streamsConfig,
      ApiConfig apiConfig,
      HistogramEdges edges,
      MetricsConfig metricsConfig) {
    int partitions = ensureTopics(kafka, streamsConfig);
    ApiServer api;
    try {
      api = ApiServer.bind(apiConfig);
    } catch (IOException e) {
      throw new IllegalStateException(
          "the API could not listen on "
              + apiConfig.bindAddress()
              + ":"
              + apiConfig.port()
              + " ("
              + e.getMessage()
              + "); is the port taken? Choose another with --port.",
          e);
    }
    // Other instances forward usage queries to the owner of a tenant's partition at this address.
    HostInfo self = new HostInfo(apiConfig.advertisedHost(), api.port());
    Properties props = streamsConfig.streamsProperties(kafka);
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    SourceEvents sources = PipelineMetrics.sourceEvents();
    RocksDbThreads.applyCompactionPriority(streamsConfig);
    KafkaStreams streams =
        new KafkaStreams(GoodputTopology.build(streamsConfig, edges, sources, partitions), props);
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("stream thread failed; stopping this instance (see /healthz)", e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    RestoreProgress restore = new RestoreProgress();
    streams.setGlobalStateRestoreListener(restore);
    UsageQueries queries = UsageQueries.of(streams);
    ClusterUsage cluster =
        new ClusterUsage(streams, self, queries, streamsConfig.applicationId(), partitions);
    PipelineMetrics metrics =
        PipelineMetrics.create(queries, streams, edges, metricsConfig, sources);
    try {
      streams.start();
      api.start(queries, cluster, health(streams), metrics.handler());
    } catch (RuntimeException e) {
      api.close();
      metrics.close();
      streams.close(Duration.ofSeconds(30));
      throw e;
    }
    return new Pipeline(streams, queries, metrics, api, restore);
  }

  private static ApiServer.Health health(KafkaStreams streams) {
    return new ApiServer.Health() {
      @Override
      public boolean alive() {
        KafkaStreams.State s = streams.state();
        return s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR;
      }

      @Override
      public boolean ready() {
        return streams.state() == KafkaStreams.State.RUNNING;
      }
    };
  }

  /**
   * Creates the public topics that do not exist yet; existing ones are left as they are. Fails when
   * the input topic and the application's repartition topic differ in partitions.
   *
   * @return the number of partitions of the input topic
   */
  public static int ensureTopics(Map<String, String> kafka, StreamsAppConfig config) {
    Map<String, Object> adminProps = Map.copyOf(kafka);
    try (Admin admin = Admin.create(adminProps)) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (Topic<?, ?> t : Topics.ALL) {
        if (!existing.contains(t.name())) {
          NewTopic topic =
              new NewTopic(
                  t.name(),
                  // The catalog is small and read in full by every instance.
                  Optional.of(t.compacted() ? 1 : config.topicPartitions()),
                  config.topicReplicationFactor() < 0
                      ? Optional.empty()
                      : Optional.of(config.topicReplicationFactor()));
          if (t.compacted()) {
            topic.configs(
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
          }
          missing.add(topic);
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
          // Another instance starting at the same time may have created one first.
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      int partitions = inputPartitions(admin);
      String repartition = GoodputTopology.tenantRepartitionTopic(config.applicationId());
      if (existing.contains(repartition)) {
        int moved =
            admin
                .describeTopics(List.of(repartition))
                .allTopicNames()
                .get()
                .get(repartition)
                .partitions()
                .size();
        if (moved != partitions) {
          // A tenant's partition is its hash over the input's partitions: with two counts its
          // events, rows and queries would no longer meet in one task.
          throw new IllegalStateException(
              Topics.REQUESTS.name()
                  + " has "
                  + partitions
                  + " partitions but "
                  + repartition
                  + " has "
                  + moved
                  + ": partitions were added to the input topic. Changing the partition count of"
                  + " a running pipeline needs a new streams.application.id (or"
                  + " kafka-streams-application-reset) and reprocessing the input.");
        }
      }
      return partitions;
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "could not create or describe the topics on "
              + kafka.get("bootstrap.servers")
              + ": "
              + e.getCause().getMessage()
              + "; check the kafka section of the config (bootstrap.servers, security).",
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * The partitions of the input topic. A topic just created may not be known to every broker yet:
   * its description is retried for up to 30 s.
   */
  private static int inputPartitions(Admin admin) throws ExecutionException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return admin
            .describeTopics(List.of(Topics.REQUESTS.name()))
            .allTopicNames()
            .get()
            .get(Topics.REQUESTS.name())
            .partitions()
            .size();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  public KafkaStreams streams() {
    return streams;
  }

  public PipelineMetrics metrics() {
    return metrics;
  }

  /**
   * Records restored from changelogs into this instance's task stores since it started: none after
   * a clean restart on its own state directory, while no other instance changed its state.
   */
  public long restoredRecords() {
    return restore.restoredRecords();
  }

  public UsageQueries queries() {
    return queries;
  }

  /** The base URL of the API, e.g. {@code http://127.0.0.1:8080}. */
  public URI apiUri() {
    return api.baseUri();
  }

  @Override
  public void close() {
    api.close();
    metrics.close();
    // Leave the group: otherwise a restarted instance waits a session timeout for its old self.
    if (!streams.close(
        CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
            .withTimeout(Duration.ofSeconds(60)))) {
      LOG.warn("Kafka Streams did not stop within 60 s");
    }
  }
}
