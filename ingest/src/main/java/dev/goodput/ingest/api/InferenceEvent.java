package dev.goodput.ingest.api;

import java.util.Map;
import java.util.Objects;

/**
 * One finished, failed or cancelled inference request, as published on {@code
 * inference.requests.v1} (schema {@code event-v1}).
 *
 * <p>An instance obtained from {@link EventParser} satisfies the schema and every cross-field rule
 * of the contract: token subsets never exceed their totals, an {@code ok} request carries {@code
 * e2eMs} (and {@code ttftMs} when it produced output), and all numbers are finite. Optional numbers
 * and strings are {@code null} when absent; {@code attributes} is never {@code null}.
 */
public record InferenceEvent(
    String eventId,
    String tenant,
    String model,
    long timestampMs,
    Status status,
    long inputTokens,
    long cachedInputTokens,
    long outputTokens,
    long reasoningTokens,
    Double ttftMs,
    Double e2eMs,
    Double queueMs,
    String sloClass,
    String server,
    String region,
    Double gpuSeconds,
    Double energyJoules,
    Map<String, String> attributes) {

  /** Milliseconds in one UTC hour, the finest accounting period. */
  public static final long HOUR_MS = 3_600_000L;

  public InferenceEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(status, "status");
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** Start of the UTC hour this event is accounted in, epoch milliseconds. */
  public long hourStartMs() {
    return Math.floorDiv(timestampMs, HOUR_MS) * HOUR_MS;
  }
}
