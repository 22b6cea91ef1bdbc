package dev.goodput.cli.bench;

import java.io.PrintStream;
import java.util.Locale;

/** Progress lines on standard error: one per phase, and details within long phases. */
final class Progress {

  private final PrintStream out;
  private final long startNs = System.nanoTime();

  Progress(PrintStream out) {
    this.out = out;
  }

  /** A line starting a phase. */
  void phase(String format, Object... args) {
    print("", format, args);
  }

  /** A line within a phase. */
  void detail(String format, Object... args) {
    print("  ", format, args);
  }

  private void print(String indent, String format, Object... args) {
    long s = (System.nanoTime() - startNs) / 1_000_000_000L;
    out.printf(
        Locale.ROOT,
        "bench %02d:%02d %s%s%n",
        s / 60,
        s % 60,
        indent,
        String.format(Locale.ROOT, format, args));
    out.flush();
  }
}
