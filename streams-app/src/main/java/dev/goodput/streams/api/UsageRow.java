package dev.goodput.streams.api;

import java.time.Instant;

/** One row of a usage report: a model's usage in {@code [start, end)}. */
public record UsageRow(
    Instant start, Instant end, String model, UsageCounters counters, LatencySketches sketches) {}
