package dev.goodput.accounting.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccountingTest {

  private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");

  private static InferenceEvent event(
      String tenant,
      String model,
      Instant at,
      long input,
      long cached,
      long output,
      long reasoning) {
    return new InferenceEvent(
        "e",
        tenant,
        model,
        at.toEpochMilli(),
        Status.OK,
        input,
        cached,
        output,
        reasoning,
        100.0,
        100.0 + 20.0 * Math.max(0, output - 1),
        null,
        null,
        null,
        null,
        null,
        null,
        Map.of());
  }

  private static InferenceEvent latency(Status status, long output, Double ttft, Double e2e) {
    return new InferenceEvent(
        "e",
        "acme",
        "m",
        T0.toEpochMilli(),
        status,
        10,
        0,
        output,
        0,
        ttft,
        e2e,
        null,
        null,
        null,
        null,
        null,
        null,
        Map.of());
  }

  private static PriceEntry price(
      String model, String tenant, Instant from, String in, String cached, String out) {
    return new PriceEntry(
        model,
        tenant,
        from,
        new BigDecimal(in),
        cached == null ? null : new BigDecimal(cached),
        new BigDecimal(out),
        null,
        null);
  }

  @Test
  void shouldPriceCachedTokensOnlyOnceAtTheirOwnPrice() {
    // Given 1000 prompt tokens of which 800 cached, 100 output tokens
    PriceEntry p = price("llama", null, T0, "0.60", "0.15", "0.80");
    InferenceEvent e = event("acme", "llama", T0, 1000, 800, 100, 0);

    // Then (200 x 0.60 + 800 x 0.15 + 100 x 0.80) / 1M = 320 / 1M; pricing all 1000 at the input
    // price and the 800 again at the cached price (the double-count trap) would give 720 / 1M
    assertThat(Accounting.cost(e, p)).isEqualByComparingTo("0.000320");
  }

  @Test
  void shouldPriceReasoningTokensSeparatelyAndAddThePerRequestPrice() {
    PriceEntry p =
        new PriceEntry(
            "r1",
            null,
            T0,
            new BigDecimal("0.55"),
            null,
            new BigDecimal("2.19"),
            new BigDecimal("5.00"),
            new BigDecimal("0.0001"));
    InferenceEvent e = event("acme", "r1", T0, 3, 0, 7, 5);

    // (3 x 0.55 + 2 x 2.19 + 5 x 5.00) / 1M + 0.0001 = 31.03 / 1M + 0.0001
    assertThat(Accounting.cost(e, p)).isEqualTo(new BigDecimal("0.00013103"));
  }

  @Test
  void shouldDefaultCachedToInputAndReasoningToOutputPrice() {
    PriceEntry p = price("m", null, T0, "1", null, "3");
    assertThat(Accounting.cost(event("acme", "m", T0, 10, 4, 6, 2), p))
        .isEqualByComparingTo("0.000028");
  }

  @Test
  void shouldUseThePriceInEffectAtTheEventTimeWhenThePriceChangesMidHour() {
    Instant change = T0.plusSeconds(1800);
    Catalog c =
        new Catalog(
            List.of(price("m", null, T0, "1", null, "1"), price("m", null, change, "2", null, "2")),
            List.of());

    assertThat(c.price("acme", "m", change.toEpochMilli() - 1).orElseThrow().input())
        .isEqualByComparingTo("1");
    assertThat(c.price("acme", "m", change.toEpochMilli()).orElseThrow().input())
        .isEqualByComparingTo("2");
    assertThat(c.price("acme", "m", T0.toEpochMilli() - 1)).isEmpty();
  }

  @Test
  void shouldLetATenantContractBeatTheGeneralPriceEvenForAnyModel() {
    // Given a general price for the exact model, and acme's contract for any model, older
    Catalog c =
        new Catalog(
            List.of(
                price("llama", null, T0.plusSeconds(60), "0.60", null, "0.80"),
                price("*", "acme", T0, "0.50", null, "0.70"),
                price("*", null, T0, "0.90", null, "0.90")),
            List.of());

    assertThat(c.price("acme", "llama", T0.plusSeconds(120).toEpochMilli()).orElseThrow().input())
        .isEqualByComparingTo("0.50");
    assertThat(c.price("globex", "llama", T0.plusSeconds(120).toEpochMilli()).orElseThrow().input())
        .isEqualByComparingTo("0.60");
    assertThat(c.price("globex", "other", T0.plusSeconds(120).toEpochMilli()).orElseThrow().input())
        .isEqualByComparingTo("0.90");
  }

  @Test
  void shouldPickTheMostSpecificPolicyThenTheLatest() {
    SloPolicy anyModel = new SloPolicy("*", null, null, T0, 1000, 100, null, 0.99);
    SloPolicy interactive = new SloPolicy("*", "interactive", null, T0, 450, 40, null, 0.99);
    SloPolicy modelExact = new SloPolicy("m", null, null, T0, 800, 80, null, 0.99);
    SloPolicy modelExactLater =
        new SloPolicy("m", null, null, T0.plusSeconds(10), 700, 70, null, 0.99);
    SloPolicy acme = new SloPolicy("*", null, "acme", T0, 300, 30, 20000.0, 0.999);
    Catalog c =
        new Catalog(List.of(), List.of(anyModel, interactive, modelExact, modelExactLater, acme));
    long t = T0.plusSeconds(20).toEpochMilli();

    assertThat(c.policy("acme", "m", "interactive", t)).isEqualTo(acme);
    assertThat(c.policy("globex", "m", "interactive", t)).isEqualTo(modelExactLater);
    assertThat(c.policy("globex", "m", "interactive", T0.toEpochMilli())).isEqualTo(modelExact);
    assertThat(c.policy("globex", "x", "interactive", t)).isEqualTo(interactive);
    assertThat(c.policy("globex", "x", null, t)).isEqualTo(anyModel);
    assertThat(c.policy("globex", "x", null, T0.toEpochMilli() - 1)).isEqualTo(SloPolicy.DEFAULT);
  }

  @Test
  void shouldCountARequestAsGoodWhenTtftEqualsTarget() {
    SloPolicy p = new SloPolicy("*", null, null, T0, 450, 40, null, 0.99);

    assertThat(Accounting.judge(latency(Status.OK, 11, 450.0, 850.0), p))
        .isEqualTo(new Verdict(40.0, false, false, false, true));
    assertThat(Accounting.judge(latency(Status.OK, 11, 450.001, 850.0), p).ttftViolation())
        .isTrue();
    assertThat(Accounting.judge(latency(Status.OK, 11, 450.0, 850.1), p).tpotViolation()).isTrue();
  }

  @Test
  void shouldGiveAOneTokenReplyTpotZero() {
    SloPolicy p = new SloPolicy("*", null, null, T0, 450, 0, null, 0.99);

    assertThat(Accounting.tpotMs(latency(Status.OK, 1, 100.0, 5000.0))).isZero();
    assertThat(Accounting.judge(latency(Status.OK, 1, 100.0, 5000.0), p).good()).isTrue();
    assertThat(Accounting.tpotMs(latency(Status.OK, 2, 100.0, 5000.0))).isEqualTo(4900.0);
  }

  @Test
  void shouldJudgeE2eOnlyWhenThePolicySetsIt() {
    SloPolicy without = new SloPolicy("*", null, null, T0, 450, 40, null, 0.99);
    SloPolicy with = new SloPolicy("*", null, null, T0, 450, 40, 800.0, 0.99);
    InferenceEvent e = latency(Status.OK, 11, 400.5, 800.5);

    assertThat(Accounting.judge(e, without).good()).isTrue();
    assertThat(Accounting.judge(e, with)).isEqualTo(new Verdict(40.0, false, false, true, false));
  }

  @Test
  void shouldLeaveCancelledRequestsOutOfAttainmentButCountErrors() {
    SloPolicy p = SloPolicy.DEFAULT;
    List<InferenceEvent> events =
        List.of(
            latency(Status.OK, 5, 100.0, 200.0),
            latency(Status.OK, 5, 100.0, 200.0),
            latency(Status.OK, 5, 100.0, 200.0),
            latency(Status.ERROR, 0, null, null),
            latency(Status.CANCELLED, 3, null, null),
            latency(Status.CANCELLED, 0, null, null));
    long good = events.stream().filter(e -> Accounting.judge(e, p).good()).count();

    assertThat(good).isEqualTo(3);
    assertThat(Accounting.judge(events.get(3), p).good()).isFalse();
    assertThat(Accounting.attainment(good, 3, 1)).isEqualTo(0.75);
    assertThat(Accounting.attainment(0, 0, 0)).isEqualTo(1.0);
  }
}
