package dev.goodput.streams.api;

import dev.goodput.accounting.api.Accounting;
import dev.goodput.accounting.api.Verdict;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * The additive usage of a set of accepted events (an hour, a period, or everything so far):
 * requests by status, tokens, exact cost, and SLO outcomes. {@link #plus} is associative and
 * commutative, so the result does not depend on the order or batching in which events and partial
 * sums are combined. Cost is an exact decimal in USD.
 */
public record UsageCounters(
    long requests,
    long requestsOk,
    long requestsError,
    long requestsCancelled,
    long inputTokens,
    long cachedInputTokens,
    long outputTokens,
    long reasoningTokens,
    BigDecimal cost,
    long unpricedRequests,
    long goodRequests,
    long goodOutputTokens,
    long ttftViolations,
    long tpotViolations,
    long e2eViolations) {

  /** The counts of no events. */
  public static final UsageCounters ZERO =
      new UsageCounters(0, 0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO, 0, 0, 0, 0, 0, 0);

  public UsageCounters {
    Objects.requireNonNull(cost, "cost");
  }

  /**
   * The usage of one accepted event.
   *
   * @param cost its exact cost, or {@code null} when no price matched (counted as unpriced)
   * @param verdict its SLO verdict
   */
  public static UsageCounters of(InferenceEvent e, BigDecimal cost, Verdict verdict) {
    return new UsageCounters(
        1,
        e.status() == Status.OK ? 1 : 0,
        e.status() == Status.ERROR ? 1 : 0,
        e.status() == Status.CANCELLED ? 1 : 0,
        e.inputTokens(),
        e.cachedInputTokens(),
        e.outputTokens(),
        e.reasoningTokens(),
        cost == null ? BigDecimal.ZERO : cost,
        cost == null ? 1 : 0,
        verdict.good() ? 1 : 0,
        verdict.good() ? e.outputTokens() : 0,
        verdict.ttftViolation() ? 1 : 0,
        verdict.tpotViolation() ? 1 : 0,
        verdict.e2eViolation() ? 1 : 0);
  }

  /** The usage of both sets together. Overflow throws rather than wrapping silently. */
  public UsageCounters plus(UsageCounters o) {
    return new UsageCounters(
        Math.addExact(requests, o.requests),
        Math.addExact(requestsOk, o.requestsOk),
        Math.addExact(requestsError, o.requestsError),
        Math.addExact(requestsCancelled, o.requestsCancelled),
        Math.addExact(inputTokens, o.inputTokens),
        Math.addExact(cachedInputTokens, o.cachedInputTokens),
        Math.addExact(outputTokens, o.outputTokens),
        Math.addExact(reasoningTokens, o.reasoningTokens),
        cost.add(o.cost),
        Math.addExact(unpricedRequests, o.unpricedRequests),
        Math.addExact(goodRequests, o.goodRequests),
        Math.addExact(goodOutputTokens, o.goodOutputTokens),
        Math.addExact(ttftViolations, o.ttftViolations),
        Math.addExact(tpotViolations, o.tpotViolations),
        Math.addExact(e2eViolations, o.e2eViolations));
  }

  /** Good requests over requests that ended ok or in error; 1.0 when there are none. */
  public double sloAttainment() {
    return Accounting.attainment(goodRequests, requestsOk, requestsError);
  }

  /** Equality compares cost by value, so {@code 0.10} equals {@code 0.1}. */
  @Override
  public boolean equals(Object o) {
    return o instanceof UsageCounters c
        && requests == c.requests
        && requestsOk == c.requestsOk
        && requestsError == c.requestsError
        && requestsCancelled == c.requestsCancelled
        && inputTokens == c.inputTokens
        && cachedInputTokens == c.cachedInputTokens
        && outputTokens == c.outputTokens
        && reasoningTokens == c.reasoningTokens
        && cost.compareTo(c.cost) == 0
        && unpricedRequests == c.unpricedRequests
        && goodRequests == c.goodRequests
        && goodOutputTokens == c.goodOutputTokens
        && ttftViolations == c.ttftViolations
        && tpotViolations == c.tpotViolations
        && e2eViolations == c.e2eViolations;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        requests, inputTokens, outputTokens, cost.stripTrailingZeros(), goodRequests);
  }
}
