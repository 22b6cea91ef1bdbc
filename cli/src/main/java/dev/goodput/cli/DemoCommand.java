package dev.goodput.cli;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.cli.internal.ConfigFile;
import dev.goodput.cli.internal.Configs;
import dev.goodput.cli.internal.DemoCatalog;
import dev.goodput.cli.internal.DemoFleet;
import dev.goodput.cli.internal.Pipeline;
import dev.goodput.cli.internal.StatusLine;
import dev.goodput.cli.internal.UntilStopped;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.kafka.embedded.EmbeddedKafka;
import dev.goodput.streams.api.ApiConfig;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.StreamsAppConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code goodput demo}: the whole pipeline on one machine, on an embedded Kafka broker, with a
 * simulated fleet of model servers replaying a real trace.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start everything on this machine: an embedded Kafka broker (KRaft, single node), the"
          + " topics, the streams application, the API with /metrics and a simulated fleet of"
          + " model servers replaying a real trace.",
      "Ctrl-C stops it; starting again on the same --data-dir continues where it stopped."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--no-fleet", description = "Do not start the simulated fleet.")
  boolean noFleet;

  @Option(names = "--config", description = "YAML configuration file (optional).")
  Path config;

  @Option(
      names = "--data-dir",
      defaultValue = "goodput-data",
      description =
          "Where the broker, the state stores and the logs live (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port of the API and /metrics on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Port of the embedded Kafka broker on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Override
  public Integer call() throws Exception {
    ConfigFile file = config == null ? ConfigFile.empty() : ConfigFile.load(config);
    Path data = dataDir.toAbsolutePath().normalize();
    Files.createDirectories(data.resolve("logs"));
    // Before anything logs: the demo keeps the console for its own lines.
    System.setProperty("log4j2.configurationFile", "log4j2-demo.xml");
    System.setProperty("goodput.log.file", data.resolve("logs").resolve("goodput.log").toString());

    Map<String, String> streamsSection = file.section("streams");
    streamsSection.putIfAbsent(StreamsAppConfig.STATE_DIR, data.resolve("streams").toString());
    streamsSection.putIfAbsent(StreamsAppConfig.TOPIC_REPLICATION_FACTOR, "1");
    StreamsAppConfig streams = Configs.build("streams", streamsSection, StreamsAppConfig::new);
    Map<String, String> apiSection = file.section("api");
    apiSection.put(ApiConfig.PORT, Integer.toString(port));
    // The demo has no authentication: it only ever listens on this machine.
    apiSection.put(ApiConfig.BIND_ADDRESS, "127.0.0.1");
    ApiConfig api = Configs.build("api", apiSection, ApiConfig::new);
    MetricsConfig metricsConfig = MetricsConfig.of(file.section("metrics"));

    System.out.println("Goodput demo: data in " + data);
    System.out.print("  starting Kafka (embedded KRaft broker) ... ");
    UntilStopped until = UntilStopped.install();
    int code = 0;
    try (EmbeddedKafka kafka =
        EmbeddedKafka.start(
            data.resolve("kafka"), kafkaPort, new PrintStream(OutputStream.nullOutputStream()))) {
      System.out.println("ok");
      Map<String, String> clients = file.section("kafka");
      clients.put("bootstrap.servers", kafka.bootstrapServers());
      System.out.print("  starting the pipeline ... ");
      Catalog catalog = DemoCatalog.apply(clients, file, streams);
      try (Pipeline pipeline =
              Pipeline.start(clients, streams, api, HistogramEdges.of(catalog), metricsConfig);
          DemoFleet fleet =
              noFleet ? DemoFleet.none() : DemoFleet.start(file.section("fleet"), clients, data)) {
        System.out.println("ok");
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        System.out.println();
        System.out.println("  Kafka bootstrap   " + kafka.bootstrapServers());
        System.out.println(
            "  Usage API         "
                + pipeline.apiUri()
                + "/v1/tenants/{tenant}/usage?from="
                + today
                + "&to="
                + today.plus(1, ChronoUnit.DAYS)
                + "&granularity=hour");
        System.out.println("  Metrics           " + pipeline.apiUri() + "/metrics");
        System.out.println(
            "  Health            "
                + pipeline.apiUri()
                + "/healthz  "
                + pipeline.apiUri()
                + "/readyz");
        System.out.println("  Logs              " + data.resolve("logs").resolve("goodput.log"));
        System.out.println("  Fleet             " + fleet.description());
        System.out.println("Ctrl-C stops everything.");
        System.out.println();
        StatusLine status = new StatusLine(pipeline, fleet::sent);
        until.await(5_000, status::alive, status::print);
        if (!status.alive()) {
          System.err.println(
              "goodput: the streams application stopped; see "
                  + data.resolve("logs").resolve("goodput.log"));
          code = 1;
        }
        System.out.println("stopping ...");
      }
    } finally {
      System.out.println("stopped.");
      until.done(code);
    }
    return code;
  }
}
