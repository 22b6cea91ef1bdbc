package dev.goodput.cli;

import dev.goodput.cli.internal.CatalogPublisher;
import dev.goodput.cli.internal.ConfigFile;
import dev.goodput.cli.internal.Configs;
import dev.goodput.cli.internal.Pipeline;
import dev.goodput.cli.internal.StatusLine;
import dev.goodput.cli.internal.UntilStopped;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.streams.api.ApiConfig;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.StreamsAppConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code goodput run}: the pipeline against an existing Kafka cluster. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the pipeline (streams application, usage API, /metrics) against an existing Kafka"
          + " cluster.",
      "The config file's kafka section holds the client properties (bootstrap.servers, TLS, SASL)."
    })
final class RunCommand implements Callable<Integer> {

  @Option(names = "--config", required = true, description = "YAML configuration file.")
  Path config;

  @Option(
      names = "--insecure",
      description = "Serve usage data without API keys (api.keys.file unset). Never in production.")
  boolean insecure;

  @Override
  public Integer call() throws Exception {
    ConfigFile file = ConfigFile.load(config);
    Map<String, String> kafka = file.section("kafka");
    if (!kafka.containsKey("bootstrap.servers")) {
      throw new ConfigException(
          config + ": kafka.bootstrap.servers is required: the Kafka cluster to run against");
    }
    StreamsAppConfig streams =
        Configs.build("streams", file.section("streams"), StreamsAppConfig::new);
    ApiConfig api = Configs.build("api", file.section("api"), ApiConfig::new);
    MetricsConfig metricsConfig = MetricsConfig.of(file.section("metrics"));
    if (api.keys().isEmpty() && !insecure) {
      throw new ConfigException(
          config
              + ": no API keys (api.keys.file is not set): refusing to serve every tenant's usage"
              + " to anyone. Create keys with 'goodput keys new --role admin', list their hashes in"
              + " a keys file, or pass --insecure to run without.");
    }

    UntilStopped until = UntilStopped.install();
    int code = 0;
    Pipeline.ensureTopics(kafka, streams);
    int entries = CatalogPublisher.publish(kafka, file.catalog());
    System.out.println("Applied " + entries + " catalog entries from " + config);
    try (Pipeline pipeline =
        Pipeline.start(kafka, streams, api, HistogramEdges.of(file.catalog()), metricsConfig)) {
      System.out.println("Goodput running against " + kafka.get("bootstrap.servers"));
      System.out.println("  API and /metrics  " + pipeline.apiUri());
      StatusLine status = new StatusLine(pipeline, () -> -1L);
      until.await(5_000, status::alive, status::print);
      if (!status.alive()) {
        System.err.println("goodput: the streams application stopped; see the log above.");
        code = 1;
      }
    } finally {
      until.done(code);
    }
    return code;
  }
}
