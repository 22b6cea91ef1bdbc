package dev.goodput.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FleetDataTest {

  private final FleetData data = FleetData.bundled();

  @ParameterizedTest
  @CsvSource({
    // model, measured requests with output_len >= 2, and vLLM's own summary of the upstream run
    "llama-3.3-70b-instruct, 186, 27.083319078977674, 50.32546663501307",
    "llama-3.3-70b-instruct-economy, 186, 70.6950422403065, 139.72769470999538",
    "deepseek-v2.5, 162, 167.11607583777084, 227.5274549800224"
  })
  void shouldReproduceVllmSummaryFromShippedLatencies(
      String model, int measured, double vllmMeanTpotMs, double vllmMeanTtftMs) {
    // Given the shipped per-request latencies of the model
    ModelProfile profile =
        data.models().stream().filter(m -> m.name().equals(model)).findFirst().orElseThrow();
    List<String[]> allRows = BundledCsv.rows("vllm-bench/" + model + ".csv");

    // When vLLM's summary statistics are recomputed from them
    double meanTpot =
        profile.measured().stream()
            .mapToDouble(ModelProfile.MeasuredRequest::tpotMs)
            .average()
            .orElseThrow();
    double meanTtft =
        allRows.stream().mapToDouble(r -> Double.parseDouble(r[3])).average().orElseThrow();

    // Then they match what vLLM reported for the upstream run
    assertThat(allRows).hasSize(200);
    assertThat(profile.measured()).hasSize(measured);
    assertThat(meanTpot).isCloseTo(vllmMeanTpotMs, within(0.001));
    assertThat(meanTtft).isCloseTo(vllmMeanTtftMs, within(0.001));
  }

  @Test
  void shouldNameServeGenClientsInOrderOfMeanRate() {
    // Given / When
    List<Tenants.Tenant> tenants = data.tenants().all();

    // Then
    assertThat(tenants)
        .extracting(Tenants.Tenant::name)
        .containsExactly(
            "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka");
    assertThat(tenants)
        .extracting(Tenants.Tenant::servegenClient)
        .containsExactly(61, 142, 148, 112, 143, 73, 104, 34);
    assertThat(tenants.get(0).meanRateRps()).isEqualTo(31.426279);
    assertThat(data.tenants().share(0, 8)).isCloseTo(31.426279 / 113.581013, within(1e-6));
    assertThat(data.tenants().share(4, 5))
        .isCloseTo(
            12.285532 / (31.426279 + 14.041035 + 12.997482 + 12.995327 + 12.285532), within(1e-9));
  }

  @Test
  void shouldReplayTheAzureSliceWithItsGaps() {
    // Given
    AzureTrace trace = data.trace();

    // When / Then: first rows 18:15:46.6805900 (374, 44) and 18:15:50.9951690 (396, 109)
    assertThat(trace.size()).isEqualTo(5000);
    assertThat(trace.inputTokens(0)).isEqualTo(374);
    assertThat(trace.outputTokens(0)).isEqualTo(44);
    assertThat(trace.inputTokens(4999)).isEqualTo(382);
    assertThat(trace.outputTokens(4999)).isEqualTo(88);
    assertThat(trace.gapNs(0, 1)).isEqualTo(4_314_579_000L);
    // the last row is at 18:32:49.9975740, 1023.316984 s after the first; the wrap adds a mean gap
    long spanNs = 1_023_316_984_000L;
    assertThat(trace.gapNs(0, 4999)).isEqualTo(spanNs);
    assertThat(trace.loopNs()).isEqualTo(spanNs + spanNs / 4999);
    assertThat(trace.gapNs(4999, 5000)).isEqualTo(spanNs / 4999);
    assertThat(trace.gapNs(1, 5001)).isEqualTo(trace.loopNs());
    assertThat(trace.row(12_345)).isEqualTo(2_345);
  }

  @Test
  void shouldMixModelsInSharesThatAddUpToOne() {
    // Given / When
    Map<String, Double> shares =
        data.models().stream().collect(Collectors.toMap(ModelProfile::name, ModelProfile::share));

    // Then
    assertThat(shares)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "llama-3.3-70b-instruct", 0.55,
                "llama-3.3-70b-instruct-economy", 0.25,
                "deepseek-v2.5", 0.20));
    assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(1.0, within(1e-12));
  }
}
