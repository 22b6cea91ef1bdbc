package dev.goodput.cli;

import dev.goodput.streams.api.ApiKeys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code goodput keys new}: a new API key and the entry for the keys file. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Manage API keys.",
    subcommands = {KeysCommand.New.class})
final class KeysCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Prints a new random key once, and the keys-file entry holding only its hash. */
  @Command(
      name = "new",
      mixinStandardHelpOptions = true,
      description = {
        "Create an API key. The key is printed once; the keys file (api.keys.file) stores only"
            + " its SHA-256."
      })
  static final class New implements Callable<Integer> {
    @Option(
        names = "--role",
        required = true,
        description = "admin, tenant:<id>, ingest or ingest:<tenant>.")
    String role;

    @Option(names = "--name", defaultValue = "key", description = "A name for logs.")
    String name;

    @Override
    public Integer call() {
      String key = ApiKeys.newKey();
      System.out.println("key (give it to its owner; it is not stored): " + key);
      System.out.println("entry for the keys file:");
      System.out.println("  - name: " + name);
      System.out.println("    sha256: " + ApiKeys.hash(key));
      System.out.println("    role: \"" + role + "\"");
      return 0;
    }
  }
}
