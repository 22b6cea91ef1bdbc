package dev.goodput.streams.api;

import dev.goodput.ingest.api.InferenceEvent;

/**
 * Told about every valid event as it is read, before dedup, for in-memory rate metrics such as
 * events per model server. Called on stream threads; must be fast and thread-safe. Not exactly
 * once: a record processed again after a crash is seen again, so use it for rates, never for
 * accounting.
 */
@FunctionalInterface
public interface EventObserver {

  EventObserver NONE = e -> {};

  void read(InferenceEvent event);
}
