package dev.goodput.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class WeightedChoiceTest {

  @Property(tries = 500)
  void shouldPickTheFirstIndexWhoseCumulativeShareExceedsTheDraw(
      @ForAll @Size(min = 1, max = 40) List<@DoubleRange(min = 0, max = 1000) Double> weights,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double u) {
    double[] w = weights.stream().mapToDouble(Double::doubleValue).toArray();
    w[w.length - 1] += 1; // at least one positive weight
    // A linear scan over the shares, computed here independently.
    double total = 0;
    for (double x : w) {
      total += x;
    }
    int expected = w.length - 1;
    double sum = 0;
    for (int i = 0; i < w.length - 1; i++) {
      sum += w[i];
      if (u < sum / total) {
        expected = i;
        break;
      }
    }

    assertThat(new WeightedChoice(w).pick(u)).isEqualTo(expected);
  }

  @Test
  void shouldNeverPickAZeroWeight() {
    WeightedChoice c = new WeightedChoice(new double[] {0, 2, 0, 2, 0});

    assertThat(c.pick(0.0)).isEqualTo(1);
    assertThat(c.pick(0.4999)).isEqualTo(1);
    assertThat(c.pick(0.5)).isEqualTo(3);
    assertThat(c.pick(0.9999)).isEqualTo(3);
  }

  @Test
  void shouldRefuseWeightsItCannotDrawFrom() {
    assertThatThrownBy(() -> new WeightedChoice(new double[0])).hasMessageContaining("no weights");
    assertThatThrownBy(() -> new WeightedChoice(new double[] {0, 0}))
        .hasMessageContaining("all be 0");
    assertThatThrownBy(() -> new WeightedChoice(new double[] {1, -1})).hasMessageContaining(">= 0");
    assertThatThrownBy(() -> new WeightedChoice(new double[] {1, Double.NaN}))
        .hasMessageContaining(">= 0");
  }
}
