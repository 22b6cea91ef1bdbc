package dev.goodput.exporters;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real {@code promtool} from the PATH. Without it the calling test is skipped, or fails
 * when {@code CI=true} (where {@code .ci/run} installs the Debian package {@code prometheus}).
 */
public final class Promtool {

  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  /** One run: the command, its exit code and its output (stdout and stderr). */
  public record Run(List<String> command, int exitCode, String output) {
    public String describe() {
      return String.join(" ", command) + " exited " + exitCode + ":\n" + output;
    }
  }

  private Promtool() {}

  /** {@code promtool args...} in {@code workDir}. */
  public static Run run(Path workDir, String... args) throws IOException, InterruptedException {
    return run(workDir, null, args);
  }

  /** The same, with {@code stdin} (a file, or null for none) as standard input. */
  public static Run run(Path workDir, Path stdin, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(onPath().toString());
    command.addAll(List.of(args));
    Path output = Files.createTempFile("promtool", ".out");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      if (stdin != null) {
        builder.redirectInput(stdin.toFile());
      }
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(
            "%s in %s did not finish within %s:%n%s",
            command, workDir, TIMEOUT, Files.readString(output));
      }
      return new Run(command, process.exitValue(), Files.readString(output));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static Path onPath() {
    Optional<Path> promtool =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .filter(dir -> !dir.isEmpty())
            .map(dir -> Path.of(dir, "promtool"))
            .filter(Files::isExecutable)
            .findFirst();
    if (promtool.isPresent()) {
      return promtool.get();
    }
    if ("true".equals(System.getenv("CI"))) {
      return fail("promtool is not on the PATH: install the Debian package prometheus");
    }
    return Assumptions.abort(
        "promtool is not on the PATH: skipped (install the Debian package prometheus;"
            + " with CI=true this fails)");
  }
}
