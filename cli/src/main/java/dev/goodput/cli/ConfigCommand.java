package dev.goodput.cli;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.cli.internal.CatalogPublisher;
import dev.goodput.cli.internal.ConfigFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code goodput config}: manage the running pipeline's prices and SLO policies. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Manage the prices and SLO policies of a running pipeline.",
    subcommands = {ConfigCommand.Apply.class})
final class ConfigCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code goodput config apply}. */
  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description = {
        "Load the prices and slo_policies of a YAML file into the running pipeline, all or nothing.",
        "Entries are effective-dated and added (an entry with the same tenant, model, slo_class and"
            + " effective_from replaces the old one); apply them before they take effect."
      })
  static final class Apply implements Callable<Integer> {
    @Option(
        names = "--bootstrap",
        defaultValue = "127.0.0.1:9092",
        description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrap;

    @Parameters(paramLabel = "FILE", description = "YAML file with prices and/or slo_policies.")
    Path file;

    @Override
    public Integer call() {
      ConfigFile config = ConfigFile.load(file);
      Catalog catalog = config.catalog();
      Map<String, String> kafka = config.section("kafka");
      kafka.put("bootstrap.servers", bootstrap);
      int written = CatalogPublisher.publish(kafka, catalog);
      System.out.printf(
          "applied %d prices and %d SLO policies from %s (%d entries written)%n",
          catalog.prices().size(), catalog.policies().size(), file, written);
      return 0;
    }
  }
}
