package dev.goodput.streams.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;

/** The period of one usage row. Days and months are UTC calendar days and months. */
public enum Granularity {
  HOUR,
  DAY,
  MONTH,
  TOTAL;

  /** The query parameter value. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The granularity named by a query parameter value, or {@code null}. */
  public static Granularity fromLabel(String label) {
    for (Granularity g : values()) {
      if (g.label().equals(label)) {
        return g;
      }
    }
    return null;
  }

  /** Start of the period (of this granularity) that holds {@code t}; TOTAL has no periods. */
  Instant periodStart(Instant t) {
    ZonedDateTime z = t.atZone(ZoneOffset.UTC);
    return switch (this) {
      case HOUR -> Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), 3_600_000L) * 3_600_000L);
      case DAY -> z.toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant();
      case MONTH ->
          LocalDate.of(z.getYear(), z.getMonth(), 1).atStartOfDay(ZoneOffset.UTC).toInstant();
      case TOTAL -> throw new IllegalStateException("TOTAL has no periods");
    };
  }

  /** End (exclusive) of the period that starts at {@code start}. */
  Instant periodEnd(Instant start) {
    ZonedDateTime z = start.atZone(ZoneOffset.UTC);
    return switch (this) {
      case HOUR -> z.plusHours(1).toInstant();
      case DAY -> z.plusDays(1).toInstant();
      case MONTH -> z.plusMonths(1).toInstant();
      case TOTAL -> throw new IllegalStateException("TOTAL has no periods");
    };
  }
}
