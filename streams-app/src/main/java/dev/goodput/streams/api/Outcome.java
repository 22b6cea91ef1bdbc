package dev.goodput.streams.api;

import java.util.Locale;

/**
 * What happened to a record read from the input topic. Every record ends in exactly one outcome,
 * and the counts of all outcomes add up to the records read.
 */
public enum Outcome {
  /** Valid and counted in every aggregate. */
  ACCEPTED,
  /** The same tenant and event_id as an event accepted within the dedup window; ignored. */
  DUPLICATE,
  /** Not JSON, failing the schema or a cross-field rule; written to the dead-letter topic. */
  REJECTED,
  /** Older than the retention when processed; written to the expired topic. */
  EXPIRED;

  /** The label, computed once: outcome counts are keyed by it at every event. */
  private final String label = name().toLowerCase(Locale.ROOT);

  /** The label value of {@code goodput_events_total{outcome}}. */
  public String label() {
    return label;
  }

  /** The outcome with this label. */
  public static Outcome fromLabel(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT));
  }
}
