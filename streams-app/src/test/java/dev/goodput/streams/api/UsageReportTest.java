package dev.goodput.streams.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class UsageReportTest {

  private static HourlyUsage hour(String at, String model, long requests) {
    return new HourlyUsage(
        new UsageKey("acme", Instant.parse(at).toEpochMilli(), model),
        counts(requests),
        LatencySketches.empty());
  }

  private static UsageCounters counts(long requests) {
    return new UsageCounters(
        requests,
        requests,
        0,
        0,
        10 * requests,
        0,
        requests,
        0,
        new BigDecimal(requests).movePointLeft(3),
        0,
        requests,
        requests,
        0,
        0,
        0);
  }

  /** A row without its sketches (they have no value equality). */
  private static Tuple row(Instant start, Instant end, String model, UsageCounters c) {
    return tuple(start, end, model, c);
  }

  private static Tuple[] rows(UsageReport r) {
    return r.rows().stream()
        .map(u -> tuple(u.start(), u.end(), u.model(), u.counters()))
        .toArray(Tuple[]::new);
  }

  private static final List<HourlyUsage> HOURS =
      List.of(
          hour("2026-01-31T22:00:00Z", "m1", 1),
          hour("2026-01-31T23:00:00Z", "m1", 2),
          hour("2026-01-31T23:00:00Z", "m2", 4),
          hour("2026-02-01T00:00:00Z", "m1", 8),
          hour("2026-02-02T05:00:00Z", "m1", 16));

  private static final Instant FROM = Instant.parse("2026-01-31T23:00:00Z");
  private static final Instant TO = Instant.parse("2026-02-02T05:00:00Z");

  @Test
  void shouldClipDayRowsToTheRequestedRange() {
    UsageReport r = UsageReport.of("acme", FROM, TO, Granularity.DAY, HOURS);

    assertThat(rows(r))
        .containsExactly(
            row(FROM, Instant.parse("2026-02-01T00:00:00Z"), "m1", counts(2)),
            row(FROM, Instant.parse("2026-02-01T00:00:00Z"), "m2", counts(4)),
            row(
                Instant.parse("2026-02-01T00:00:00Z"),
                Instant.parse("2026-02-02T00:00:00Z"),
                "m1",
                counts(8)));
    assertThat(r.totals()).isEqualTo(counts(14));
  }

  @Test
  void shouldRollHoursIntoMonthsAndTotal() {
    Instant from = Instant.parse("2026-01-01T00:00:00Z");
    Instant to = Instant.parse("2026-03-01T00:00:00Z");

    assertThat(rows(UsageReport.of("acme", from, to, Granularity.MONTH, HOURS)))
        .containsExactly(
            row(from, Instant.parse("2026-02-01T00:00:00Z"), "m1", counts(3)),
            row(from, Instant.parse("2026-02-01T00:00:00Z"), "m2", counts(4)),
            row(Instant.parse("2026-02-01T00:00:00Z"), to, "m1", counts(24)));
    assertThat(rows(UsageReport.of("acme", from, to, Granularity.TOTAL, HOURS)))
        .containsExactly(row(from, to, "m1", counts(27)), row(from, to, "m2", counts(4)));
  }

  @Test
  void shouldListEachNonEmptyHourWithItsEndExclusive() {
    UsageReport r = UsageReport.of("acme", FROM, TO, Granularity.HOUR, HOURS);

    assertThat(r.rows())
        .extracting(UsageRow::start, UsageRow::model)
        .containsExactly(
            tuple(FROM, "m1"),
            tuple(FROM, "m2"),
            tuple(Instant.parse("2026-02-01T00:00:00Z"), "m1"));
    assertThat(r.rows().get(0).end()).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
  }
}
