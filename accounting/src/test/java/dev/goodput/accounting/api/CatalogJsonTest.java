package dev.goodput.accounting.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CatalogJsonTest {

  private static Catalog parse(String yaml) {
    return CatalogJson.parse(yaml.getBytes(StandardCharsets.UTF_8), "prices.yaml");
  }

  @Test
  void shouldReadTheContractExampleWithExactDecimals() {
    Catalog c =
        parse(
            """
            prices:                        # USD per 1M tokens
              - model: llama-3.1-70b-instruct
                effective_from: 2026-01-01T00:00:00Z
                input: 0.60
                cached_input: 0.15
                output: 0.80
                reasoning: 0.80
                request: 0
              - model: "*"
                tenant: acme
                effective_from: 2026-06-01T00:00:00Z
                input: 0.1000000000000000055511151231257827
                output: 0.70
            slo_policies:
              - model: "*"
                slo_class: interactive
                tenant: acme
                effective_from: 2026-01-01T00:00:00Z
                ttft_ms: 450
                tpot_ms: 40
                e2e_ms: 20000
                objective: 0.99
            """);

    assertThat(c.prices()).hasSize(2);
    PriceEntry first = c.prices().get(0);
    assertThat(first.input()).isEqualByComparingTo("0.60");
    assertThat(first.cachedInput()).isEqualByComparingTo("0.15");
    assertThat(first.effectiveFrom()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    // A binary double could not hold this value; the decimal holds every digit.
    assertThat(c.prices().get(1).input())
        .isEqualTo(new BigDecimal("0.1000000000000000055511151231257827"));
    assertThat(c.prices().get(1).cachedInput()).isEqualTo(c.prices().get(1).input());
    assertThat(c.policies())
        .containsExactly(
            new SloPolicy(
                "*",
                "interactive",
                "acme",
                Instant.parse("2026-01-01T00:00:00Z"),
                450,
                40,
                20000.0,
                0.99));
  }

  @Test
  void shouldNameTheEntryTheKeyAndTheReasonOfABadEntry() {
    assertThatThrownBy(
            () ->
                parse(
                    "prices:\n  - model: m\n    effective_from: 2026-01-01T00:00:00Z\n    input: cheap\n    output: 1\n"))
        .isInstanceOf(InvalidCatalogException.class)
        .hasMessage(
            "prices.yaml: prices[0] (model m): 'input' must be a decimal number, got 'cheap'");
    assertThatThrownBy(
            () ->
                parse(
                    "prices:\n  - model: m\n    effective_from: 2026-01-01T00:00:00Z\n    input: 1\n    output: -1\n"))
        .hasMessage("prices.yaml: prices[0] (model m): 'output' must be >= 0, got -1");
    assertThatThrownBy(
            () ->
                parse(
                    "prices:\n  - model: m\n    effective_from: 2026-01-01\n    input: 1\n    output: 1\n"))
        .hasMessageContaining("'effective_from' must be an RFC 3339 time with offset");
    assertThatThrownBy(
            () ->
                parse(
                    "slo_policies:\n  - model: m\n    effective_from: 2026-01-01T00:00:00Z\n    ttft_ms: 1\n    tpot_ms: 1\n    objective: 1.5\n"))
        .hasMessage(
            "prices.yaml: slo_policies[0] (model m): 'objective' must be in (0, 1], got 1.5");
    assertThatThrownBy(
            () ->
                parse(
                    "prices:\n  - model: m\n    effective_from: 2026-01-01T00:00:00Z\n    imput: 1\n    output: 1\n"))
        .hasMessageStartingWith("prices.yaml: prices[0]: unknown key 'imput'");
    assertThatThrownBy(
            () ->
                parse(
                    "slo_policies:\n  - model: m\n    effective_from: 2026-01-01T00:00:00Z\n    tpot_ms: 1\n"))
        .hasMessage("prices.yaml: slo_policies[0] (model m): 'ttft_ms' is required");
  }

  @Test
  void shouldRefuseTwoEntriesWithTheSameIdentity() {
    String entry =
        "  - model: m\n    effective_from: 2026-01-01T00:00:00Z\n    input: 1\n    output: 1\n";
    assertThatThrownBy(() -> parse("prices:\n" + entry + entry))
        .hasMessage(
            "prices.yaml: prices[1]: a second entry for the same tenant, model and effective_from");
  }

  @Test
  void shouldRoundTripEntriesThroughTheTopicFormat() {
    Catalog c =
        parse(
            "prices:\n  - model: m\n    tenant: t\n    effective_from: 2026-01-01T00:00:00Z\n    input: 0.123456789\n    output: 2\n    request: 0.0001\n"
                + "slo_policies:\n  - model: '*'\n    effective_from: 2026-01-01T00:00:00Z\n    ttft_ms: 450.5\n    tpot_ms: 40\n");

    assertThat(CatalogJson.priceFromJson(CatalogJson.toJson(c.prices().get(0)), "topic"))
        .isEqualTo(c.prices().get(0));
    assertThat(CatalogJson.policyFromJson(CatalogJson.toJson(c.policies().get(0)), "topic"))
        .isEqualTo(c.policies().get(0));
  }
}
