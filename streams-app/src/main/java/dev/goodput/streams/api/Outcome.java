package dev.goodput.streams.api;

import java.util.Locale;

/**
 * What happened to a record read from the input topic. Every record ends in exactly one outcome,
 * and the counts of all outcomes add up to the records read.
 */
public enum Outcome {
  /** Valid and counted in every aggregate. */
  ACCEPTED,
  /** Not JSON, failing the schema or a cross-field rule; written to the dead-letter topic. */
  REJECTED;

  /** The label value of {@code goodput_events_total{outcome}}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The outcome with this label. */
  public static Outcome fromLabel(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT));
  }
}
