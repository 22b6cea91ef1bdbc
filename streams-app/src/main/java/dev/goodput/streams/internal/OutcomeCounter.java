package dev.goodput.streams.internal;

import dev.goodput.streams.api.Outcome;
import org.apache.kafka.streams.state.KeyValueStore;

/** Counts outcomes in a state store, so the counts commit with the records they describe. */
final class OutcomeCounter {
  private final KeyValueStore<String, Long> store;

  OutcomeCounter(KeyValueStore<String, Long> store) {
    this.store = store;
  }

  void increment(Outcome outcome) {
    Long current = store.get(outcome.label());
    store.put(outcome.label(), current == null ? 1L : current + 1);
  }
}
