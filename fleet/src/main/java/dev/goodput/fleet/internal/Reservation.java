package dev.goodput.fleet.internal;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The sequence numbers {@code [first, end)} that the fleet may have handed to the producer, and the
 * schedule that fixes their timestamps: sequence {@code s} is due at {@code anchorMs} plus the
 * trace's time from {@code first} to {@code s} divided by {@code speed}. It is saved before any of
 * them is sent, so a restart can re-send them with the same timestamps.
 */
public record Reservation(
    @JsonProperty("first") long first,
    @JsonProperty("end") long end,
    @JsonProperty("anchor_ms") long anchorMs,
    @JsonProperty("speed") double speed) {

  public Reservation {
    if (first < 0 || end < first) {
      throw new IllegalArgumentException("reservation needs 0 <= first <= end");
    }
    if (!(speed > 0) || Double.isInfinite(speed)) {
      throw new IllegalArgumentException("reservation speed must be finite and > 0");
    }
  }

  /** The wall-clock time, epoch milliseconds, at which {@code sequence} is due. */
  public long timestampMs(AzureTrace trace, long sequence) {
    return anchorMs + (long) Math.floor(trace.gapNs(first, sequence) / speed / 1_000_000.0);
  }

  /** The same schedule for the sequence numbers before {@code newEnd} only. */
  public Reservation truncatedTo(long newEnd) {
    return new Reservation(first, Math.min(end, Math.max(first, newEnd)), anchorMs, speed);
  }
}
