package dev.goodput.streams.internal;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.StoreNames;
import dev.goodput.streams.api.UsageCounters;
import dev.goodput.streams.api.UsageKey;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds each accepted event to its tenant's hourly row and running totals. Runs after the
 * repartition by tenant, so all of a tenant's rows live in one task.
 */
public final class AccountingProcessor implements Processor<String, InferenceEvent, Void, Void> {
  private KeyValueStore<UsageKey, UsageCounters> hourly;
  private KeyValueStore<SeriesKey, UsageCounters> totals;
  private OutcomeCounter outcomes;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    hourly = context.getStateStore(StoreNames.USAGE_HOURLY);
    totals = context.getStateStore(StoreNames.USAGE_TOTALS);
    outcomes = new OutcomeCounter(context.getStateStore(StoreNames.OUTCOMES_ACCOUNTING));
  }

  @Override
  public void process(Record<String, InferenceEvent> record) {
    InferenceEvent e = record.value();
    UsageCounters one = UsageCounters.of(e);
    add(hourly, new UsageKey(e.tenant(), e.hourStartMs(), e.model()), one);
    add(totals, new SeriesKey(e.tenant(), e.model()), one);
    outcomes.increment(Outcome.ACCEPTED);
  }

  private static <K> void add(KeyValueStore<K, UsageCounters> store, K key, UsageCounters delta) {
    UsageCounters current = store.get(key);
    store.put(key, current == null ? delta : current.plus(delta));
  }
}
