package dev.goodput.streams.internal;

import dev.goodput.streams.api.LatencySketches;
import dev.goodput.streams.api.UsageCounters;

/** The value of an hourly row in its store: additive counters and latency sketches. */
public record HourlyValue(UsageCounters counters, LatencySketches sketches) {}
