package dev.goodput.streams.api;

/** One stored hourly row: a tenant's usage of one model in one UTC hour. */
public record HourlyUsage(UsageKey key, UsageCounters counters, LatencySketches sketches) {}
