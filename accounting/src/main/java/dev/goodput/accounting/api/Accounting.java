package dev.goodput.accounting.api;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.math.BigDecimal;

/** The contract's accounting formulas (section 3), as pure functions. */
public final class Accounting {

  private Accounting() {}

  /**
   * The exact cost of a request in USD: uncached input, cached input, non-reasoning output and
   * reasoning tokens each at their own price per 1M tokens, plus the per-request price. Cached and
   * reasoning tokens are subsets of input and output tokens, so no token is priced twice.
   */
  public static BigDecimal cost(InferenceEvent e, PriceEntry p) {
    BigDecimal perMillion =
        p.input()
            .multiply(BigDecimal.valueOf(e.inputTokens() - e.cachedInputTokens()))
            .add(p.cachedInput().multiply(BigDecimal.valueOf(e.cachedInputTokens())))
            .add(p.output().multiply(BigDecimal.valueOf(e.outputTokens() - e.reasoningTokens())))
            .add(p.reasoning().multiply(BigDecimal.valueOf(e.reasoningTokens())));
    return perMillion.movePointLeft(6).add(p.request());
  }

  /** Time per output token: {@code (e2e - ttft) / (output - 1)} from two tokens on, else 0. */
  public static double tpotMs(InferenceEvent e) {
    if (e.outputTokens() < 2 || e.ttftMs() == null || e.e2eMs() == null) {
      return 0;
    }
    return (e.e2eMs() - e.ttftMs()) / (e.outputTokens() - 1);
  }

  /** Judges a request against its policy; thresholds are inclusive. */
  public static Verdict judge(InferenceEvent e, SloPolicy policy) {
    double tpot = tpotMs(e);
    if (e.status() != Status.OK) {
      return new Verdict(tpot, false, false, false, false);
    }
    boolean ttft = e.ttftMs() != null && e.ttftMs() > policy.ttftMs();
    boolean tpotViolated = tpot > policy.tpotMs();
    boolean e2e = policy.e2eMs() != null && e.e2eMs() != null && e.e2eMs() > policy.e2eMs();
    return new Verdict(tpot, ttft, tpotViolated, e2e, !ttft && !tpotViolated && !e2e);
  }

  /**
   * SLO attainment: good requests over requests that ended ok or in error; cancelled requests are
   * left out. 1.0 when there are none.
   */
  public static double attainment(long good, long ok, long error) {
    long judged = ok + error;
    return judged == 0 ? 1.0 : (double) good / judged;
  }
}
