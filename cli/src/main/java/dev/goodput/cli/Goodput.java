package dev.goodput.cli;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code goodput} command line. */
@Command(
    name = "goodput",
    mixinStandardHelpOptions = true,
    versionProvider = Goodput.Version.class,
    description =
        "Streaming telemetry for LLM inference: exact usage, cost and goodput per tenant.",
    subcommands = {
      DemoCommand.class,
      RunCommand.class,
      PublishCommand.class,
      UsageCommand.class,
      ConfigCommand.class,
      KeysCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Goodput implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command and returns its exit code: 0 ok, 1 failed, 2 bad usage or configuration. */
  public static int execute(String... args) {
    return new CommandLine(new Goodput())
        .setExecutionExceptionHandler(
            (e, cmd, parsed) -> {
              if (e instanceof ConfigException) {
                cmd.getErr().println("goodput: configuration error: " + e.getMessage());
                return 2;
              }
              StringBuilder message =
                  new StringBuilder(e.getMessage() == null ? e.toString() : e.getMessage());
              for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c.getMessage() != null && !message.toString().contains(c.getMessage())) {
                  message.append(": ").append(c.getMessage());
                }
              }
              cmd.getErr().println("goodput: " + message);
              return 1;
            })
        .execute(args);
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Goodput.class.getPackage().getImplementationVersion();
      return new String[] {"goodput " + (v == null ? "(development build)" : v)};
    }
  }
}
