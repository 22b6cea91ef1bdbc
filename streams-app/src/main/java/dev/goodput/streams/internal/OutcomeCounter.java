package dev.goodput.streams.internal;

import dev.goodput.streams.api.Outcome;
import java.util.EnumMap;

/** Counts outcomes in a state store, so the counts commit with the records they describe. */
final class OutcomeCounter {
  private final WriteBackStore<String, Long> store;

  /** Each outcome's entry in the store, found again once the store drops it. */
  private final EnumMap<Outcome, WriteBackStore.Entry<Long>> entries = new EnumMap<>(Outcome.class);

  OutcomeCounter(WriteBackStore<String, Long> store) {
    this.store = store;
  }

  /** Makes the counts changed since the last publish visible to queries. */
  void publish() {
    store.publish();
  }

  void increment(Outcome outcome) {
    WriteBackStore.Entry<Long> entry = store.entry(outcome.label(), entries.get(outcome));
    entries.put(outcome, entry);
    Long current = entry.value();
    store.set(entry, current == null ? 1L : current + 1);
  }
}
