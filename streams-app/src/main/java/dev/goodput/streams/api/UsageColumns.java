package dev.goodput.streams.api;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.Function;

/**
 * The columns of a usage row after {@code start}, {@code end} and {@code model}, in contract order;
 * the JSON document and the CSV share them.
 */
public final class UsageColumns {

  /** How a value is written: a JSON number, an exact decimal string, or a percentile object. */
  public enum Kind {
    INTEGER,
    DECIMAL_STRING,
    FRACTION,
    PERCENTILES
  }

  /** One column: its name in JSON and CSV, its kind, and how to read it from a row. */
  public record Column(String name, Kind kind, Function<Row, Object> value) {}

  /** What a column reads: the counters and latency sketches of a row or of the totals. */
  public record Row(UsageCounters counters, LatencySketches sketches) {}

  public static final List<Column> ALL =
      List.of(
          integer("requests", c -> c.requests()),
          integer("requests_ok", c -> c.requestsOk()),
          integer("requests_error", c -> c.requestsError()),
          integer("requests_cancelled", c -> c.requestsCancelled()),
          integer("input_tokens", c -> c.inputTokens()),
          integer("cached_input_tokens", c -> c.cachedInputTokens()),
          integer("output_tokens", c -> c.outputTokens()),
          integer("reasoning_tokens", c -> c.reasoningTokens()),
          new Column("cost", Kind.DECIMAL_STRING, r -> costString(r.counters().cost())),
          integer("unpriced_requests", c -> c.unpricedRequests()),
          integer("good_requests", c -> c.goodRequests()),
          integer("good_output_tokens", c -> c.goodOutputTokens()),
          integer("ttft_violations", c -> c.ttftViolations()),
          integer("tpot_violations", c -> c.tpotViolations()),
          integer("e2e_violations", c -> c.e2eViolations()),
          new Column("slo_attainment", Kind.FRACTION, r -> r.counters().sloAttainment()),
          new Column("ttft_ms", Kind.PERCENTILES, r -> r.sketches().ttft()),
          new Column("tpot_ms", Kind.PERCENTILES, r -> r.sketches().tpot()),
          new Column("e2e_ms", Kind.PERCENTILES, r -> r.sketches().e2e()));

  private UsageColumns() {}

  private static Column integer(String name, Function<UsageCounters, Long> value) {
    return new Column(name, Kind.INTEGER, r -> value.apply(r.counters()));
  }

  /**
   * The exact cost as a plain decimal string with at least 6 decimals ({@code "0.000320"}); never
   * rounded.
   */
  public static String costString(BigDecimal cost) {
    BigDecimal c = cost.stripTrailingZeros();
    return c.setScale(Math.max(6, c.scale()), RoundingMode.UNNECESSARY).toPlainString();
  }
}
