package dev.goodput.cli.internal;

import dev.goodput.streams.api.NotReadyException;
import dev.goodput.streams.api.Outcome;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.KafkaStreams;

/** The short live summary a long-running command prints every few seconds. */
public final class StatusLine {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final Pipeline pipeline;
  private final LongSupplier fleetSent;
  private long lastRead = -1;
  private long lastNanos;

  /**
   * @param fleetSent events the simulated fleet has had acknowledged, or -1 when there is no fleet
   */
  public StatusLine(Pipeline pipeline, LongSupplier fleetSent) {
    this.pipeline = pipeline;
    this.fleetSent = fleetSent;
  }

  /** Whether the streams application is still alive. */
  public boolean alive() {
    KafkaStreams.State s = pipeline.streams().state();
    return s != KafkaStreams.State.ERROR
        && s != KafkaStreams.State.PENDING_ERROR
        && s != KafkaStreams.State.NOT_RUNNING
        && s != KafkaStreams.State.PENDING_SHUTDOWN;
  }

  public void print() {
    System.out.println(line());
  }

  String line() {
    StringBuilder sb =
        new StringBuilder(LocalTime.now(ZoneOffset.UTC).format(TIME)).append(" UTC  ");
    sb.append(pipeline.streams().state());
    try {
      Map<Outcome, Long> outcomes = pipeline.queries().outcomes();
      long read = outcomes.values().stream().mapToLong(Long::longValue).sum();
      sb.append(String.format("  read %,d (", read));
      String sep = "";
      for (Map.Entry<Outcome, Long> e : outcomes.entrySet()) {
        sb.append(sep).append(e.getKey().label()).append(String.format(" %,d", e.getValue()));
        sep = ", ";
      }
      sb.append(')');
      int series = pipeline.queries().totals().size();
      sb.append(String.format("  series %d", series));
      long now = System.nanoTime();
      if (lastRead >= 0) {
        double seconds = (now - lastNanos) / 1e9;
        sb.append(String.format("  %.1f events/s", (read - lastRead) / seconds));
      }
      lastRead = read;
      lastNanos = now;
    } catch (NotReadyException e) {
      sb.append("  (state not queryable yet: restoring or rebalancing)");
    }
    long sent = fleetSent.getAsLong();
    if (sent >= 0) {
      sb.append(String.format("  | fleet sent %,d", sent));
    }
    return sb.toString();
  }
}
