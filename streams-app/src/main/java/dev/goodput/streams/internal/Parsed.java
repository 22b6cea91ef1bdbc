package dev.goodput.streams.internal;

import dev.goodput.ingest.api.InferenceEvent;

/** A parsed input record: either a valid event, or the original bytes of a rejected one. */
public record Parsed(InferenceEvent event, byte[] rejectedBytes) {

  public static Parsed valid(InferenceEvent event) {
    return new Parsed(event, null);
  }

  public static Parsed rejected(byte[] original) {
    return new Parsed(null, original);
  }

  public boolean isRejected() {
    return event == null;
  }
}
