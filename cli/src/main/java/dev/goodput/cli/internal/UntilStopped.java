package dev.goodput.cli.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;

/**
 * Runs until Ctrl-C (SIGINT) or SIGTERM, calling a status task at a fixed interval, then lets the
 * caller close everything in order before the process exits with status 0.
 */
public final class UntilStopped {

  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch cleanedUp = new CountDownLatch(1);
  private volatile int exitCode;
  private Thread hook;

  private UntilStopped() {}

  /** Installs the signal handling; call before starting anything that must be stopped. */
  public static UntilStopped install() {
    UntilStopped u = new UntilStopped();
    u.hook =
        new Thread(
            () -> {
              u.stopRequested.countDown();
              try {
                u.cleanedUp.await(120, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              LogManager.shutdown();
              // A signal would otherwise end the JVM with 128 + signal number.
              Runtime.getRuntime().halt(u.exitCode);
            },
            "goodput-shutdown");
    Runtime.getRuntime().addShutdownHook(u.hook);
    return u;
  }

  /**
   * Blocks until a stop is requested or {@code keepGoing} turns false, calling {@code tick} every
   * {@code intervalMs}.
   */
  public void await(long intervalMs, BooleanSupplier keepGoing, Runnable tick)
      throws InterruptedException {
    while (!stopRequested.await(intervalMs, TimeUnit.MILLISECONDS)) {
      if (!keepGoing.getAsBoolean()) {
        return;
      }
      tick.run();
    }
  }

  /**
   * Signals that everything is closed. If a signal is stopping the process, it then ends with this
   * code; otherwise the signal handling is removed and the caller exits as it sees fit.
   */
  public void done(int code) {
    exitCode = code;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shutdownInProgress) {
      // A signal started the shutdown; the hook is waiting for us.
    }
    cleanedUp.countDown();
  }
}
