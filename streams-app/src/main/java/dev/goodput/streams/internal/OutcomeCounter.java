package dev.goodput.streams.internal;

import dev.goodput.streams.api.Outcome;

/** Counts outcomes in a state store, so the counts commit with the records they describe. */
final class OutcomeCounter {
  private final WriteBackStore<String, Long> store;

  OutcomeCounter(WriteBackStore<String, Long> store) {
    this.store = store;
  }

  /** Makes the counts changed since the last publish visible to queries. */
  void publish() {
    store.publish();
  }

  void increment(Outcome outcome) {
    Long current = store.read(outcome.label());
    store.write(outcome.label(), current == null ? 1L : current + 1);
  }
}
