package dev.goodput.accounting.api;

import java.time.Instant;
import java.util.Objects;

/**
 * One effective-dated SLO policy. Thresholds are inclusive: a value equal to its target is good.
 *
 * @param model an exact model name, or {@code *} for any model
 * @param sloClass the event's {@code slo_class} it applies to, or {@code null} for any
 * @param tenant the tenant it applies to, or {@code null} for any
 * @param e2eMs the end-to-end target, or {@code null} for none
 * @param objective the share of requests (ok + error) that should be good, in (0, 1]
 */
public record SloPolicy(
    String model,
    String sloClass,
    String tenant,
    Instant effectiveFrom,
    double ttftMs,
    double tpotMs,
    Double e2eMs,
    double objective) {

  /** The policy of an event no configured policy matches (contract section 3). */
  public static final SloPolicy DEFAULT =
      new SloPolicy("*", null, null, Instant.EPOCH, 2000, 200, null, 0.99);

  public SloPolicy {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(effectiveFrom, "effectiveFrom");
  }

  /** What makes two policies the same entry: a later one with the same identity replaces it. */
  public String identity() {
    return "slo|"
        + (tenant == null ? "" : tenant)
        + "|"
        + model
        + "|"
        + (sloClass == null ? "" : sloClass)
        + "|"
        + effectiveFrom;
  }
}
