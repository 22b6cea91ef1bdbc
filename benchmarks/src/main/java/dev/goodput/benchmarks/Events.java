package dev.goodput.benchmarks;

import dev.goodput.fleet.internal.EventGenerator;
import dev.goodput.fleet.internal.FleetData;
import dev.goodput.ingest.api.InferenceEvent;

/**
 * Realistic events for the benchmarks: the simulated fleet's (Azure 2023 token counts, vLLM
 * latencies, ServeGen tenants, 1% errors, 2% cancellations), finished a minute ago.
 */
final class Events {

  /** A power of two, so that cycling through them is a mask. */
  static final int COUNT = 1024;

  private Events() {}

  static InferenceEvent[] sample(long nowMs) {
    EventGenerator generator = new EventGenerator(FleetData.bundled(), "jmh", 42, 8, 0.01, 0.02);
    InferenceEvent[] out = new InferenceEvent[COUNT];
    for (int i = 0; i < COUNT; i++) {
      out[i] = generator.event(i, nowMs - 60_000 + i);
    }
    return out;
  }
}
