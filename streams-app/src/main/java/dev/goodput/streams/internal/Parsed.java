package dev.goodput.streams.internal;

import dev.goodput.ingest.api.InferenceEvent;

/**
 * A parsed input record: a valid event, or the original bytes of a record that goes no further
 * (rejected or expired).
 */
public record Parsed(Route route, InferenceEvent event, byte[] original) {

  /** Where a record goes after parsing. */
  public enum Route {
    /** Valid, and already on its tenant's partition: accounted in this task. */
    VALID,
    /** Valid, on another partition than its tenant's: goes through the repartition topic. */
    VALID_ELSEWHERE,
    REJECTED,
    EXPIRED
  }

  public static Parsed valid(InferenceEvent event) {
    return new Parsed(Route.VALID, event, null);
  }

  public static Parsed validElsewhere(InferenceEvent event) {
    return new Parsed(Route.VALID_ELSEWHERE, event, null);
  }

  public static Parsed rejected(byte[] original) {
    return new Parsed(Route.REJECTED, null, original);
  }

  public static Parsed expired(byte[] original) {
    return new Parsed(Route.EXPIRED, null, original);
  }
}
