package dev.goodput.streams.api;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;

/**
 * Request and token counts of a set of accepted events (an hour, a period, or everything so far).
 * Counts only grow: {@link #plus} is associative and commutative, so the result does not depend on
 * the order or batching in which events and partial sums are combined.
 */
public record UsageCounters(
    long requests,
    long requestsOk,
    long requestsError,
    long requestsCancelled,
    long inputTokens,
    long cachedInputTokens,
    long outputTokens,
    long reasoningTokens) {

  /** The counts of no events. */
  public static final UsageCounters ZERO = new UsageCounters(0, 0, 0, 0, 0, 0, 0, 0);

  /** The counts of one accepted event. */
  public static UsageCounters of(InferenceEvent e) {
    return new UsageCounters(
        1,
        e.status() == Status.OK ? 1 : 0,
        e.status() == Status.ERROR ? 1 : 0,
        e.status() == Status.CANCELLED ? 1 : 0,
        e.inputTokens(),
        e.cachedInputTokens(),
        e.outputTokens(),
        e.reasoningTokens());
  }

  /** The counts of both sets together. Overflow throws rather than wrapping silently. */
  public UsageCounters plus(UsageCounters o) {
    return new UsageCounters(
        Math.addExact(requests, o.requests),
        Math.addExact(requestsOk, o.requestsOk),
        Math.addExact(requestsError, o.requestsError),
        Math.addExact(requestsCancelled, o.requestsCancelled),
        Math.addExact(inputTokens, o.inputTokens),
        Math.addExact(cachedInputTokens, o.cachedInputTokens),
        Math.addExact(outputTokens, o.outputTokens),
        Math.addExact(reasoningTokens, o.reasoningTokens));
  }
}
