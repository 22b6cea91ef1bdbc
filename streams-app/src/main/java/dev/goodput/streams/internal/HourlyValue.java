package dev.goodput.streams.internal;

import dev.goodput.streams.api.LatencySketches;
import dev.goodput.streams.api.UsageCounters;

/** The value of an hourly row in its store: additive counters and latency sketches. */
public record HourlyValue(UsageCounters counters, LatencySketches sketches) {

  /** An independent copy (the sketches are mutable). */
  public HourlyValue copy() {
    return new HourlyValue(counters, sketches.copy());
  }
}
