package dev.goodput.fleet.internal;

import java.util.Arrays;

/**
 * A draw by weight: index {@code i} with probability {@code weights[i] / sum(weights)}, from one
 * uniform number. The same number always gives the same index, so seeded sequences repeat.
 */
public final class WeightedChoice {

  private final double[] cumulative;

  /** Non-negative weights, at least one of them positive. */
  public WeightedChoice(double[] weights) {
    if (weights.length == 0) {
      throw new IllegalArgumentException("no weights to choose from");
    }
    double total = 0;
    for (double w : weights) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("weights must be finite and >= 0: " + w);
      }
      total += w;
    }
    if (!(total > 0)) {
      throw new IllegalArgumentException("weights must not all be 0");
    }
    cumulative = new double[weights.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      cumulative[i] = sum / total;
    }
    cumulative[weights.length - 1] = 1.0;
  }

  /** The smallest index whose cumulative share exceeds {@code u}, a draw in [0, 1). */
  public int pick(double u) {
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (u < cumulative[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  @Override
  public String toString() {
    return "WeightedChoice" + Arrays.toString(cumulative);
  }
}
