package dev.goodput.streams.internal;

import dev.goodput.accounting.api.Accounting;
import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.PriceEntry;
import dev.goodput.accounting.api.SloPolicy;
import dev.goodput.accounting.api.Verdict;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.LatencySketches;
import dev.goodput.streams.api.Outcome;
import dev.goodput.streams.api.SeriesKey;
import dev.goodput.streams.api.SeriesTotals;
import dev.goodput.streams.api.StoreNames;
import dev.goodput.streams.api.UsageCounters;
import dev.goodput.streams.api.UsageKey;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Decides whether each valid event is the first of its tenant and event_id within the dedup window,
 * and adds each accepted one, priced and judged with the catalog entries in effect at its
 * timestamp, to its hourly row and running totals. Runs after the repartition by tenant, so all of
 * a tenant's events and rows live in one task.
 */
public final class AccountingProcessor
    implements Processor<String, InferenceEvent, String, byte[]> {

  private static final byte[] PENDING = new byte[0];

  /** How often the catalog is re-read from its global store. */
  static final Duration CATALOG_REFRESH = Duration.ofSeconds(1);

  private final long dedupWindowMs;
  private final HistogramEdges edges;
  private final long ledgerGraceMs;
  private final long ledgerIntervalMs;
  private final long publishIntervalMs;
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<UsageKey, byte[]> ledgerPending;
  private KeyValueStore<UsageKey, Long> ledgerRevisions;
  private WriteBackStore<UsageKey, HourlyValue> hourly;
  private WriteBackStore<SeriesKey, SeriesTotals> totals;
  private DedupIndex dedup;
  private OutcomeCounter outcomes;
  private CatalogView catalog;

  /**
   * Hours known to be marked pending in the store since the last ledger step (which unmarks them);
   * cleared with it, and at init (a task started, restored or revived after a failure).
   */
  private final Set<UsageKey> markedPending = new HashSet<>();

  /**
   * Series kept at most per task before {@link #series} starts over: more than the series totals
   * the store keeps decoded (see GoodputTopology), so that the busy ones stay.
   */
  static final int MAX_SERIES = 4096;

  /**
   * What the events of a tenant and model need, found once: their rows' entries in the write-back
   * stores and their catalog entries. Each is found again when it no longer holds (the store
   * dropped the entry, another hour, another catalog or slo_class).
   */
  private static final class Series {
    final SeriesKey key;
    WriteBackStore.Entry<SeriesTotals> totals;
    UsageKey hourKey;
    WriteBackStore.Entry<HourlyValue> hour;
    Catalog catalog;
    Catalog.Chain<PriceEntry> prices;
    String sloClass;
    Catalog.Chain<SloPolicy> policies;

    Series(SeriesKey key) {
      this.key = key;
    }
  }

  /** By tenant and model; cleared at init and when it grows past {@link #MAX_SERIES}. */
  private final Map<SeriesKey, Series> series = new HashMap<>();

  /**
   * @param publishIntervalMs how often the changed rows, totals and counts are written to their
   *     stores for queries (each commit writes them too)
   */
  public AccountingProcessor(
      long dedupWindowMs,
      HistogramEdges edges,
      long ledgerGraceMs,
      long ledgerIntervalMs,
      long publishIntervalMs) {
    this.dedupWindowMs = dedupWindowMs;
    this.edges = edges;
    this.ledgerGraceMs = ledgerGraceMs;
    this.ledgerIntervalMs = ledgerIntervalMs;
    this.publishIntervalMs = publishIntervalMs;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    markedPending.clear();
    series.clear();
    ledgerPending = context.getStateStore(StoreNames.LEDGER_PENDING);
    ledgerRevisions = context.getStateStore(StoreNames.LEDGER_REVISIONS);
    context.schedule(
        Duration.ofMillis(ledgerIntervalMs), PunctuationType.WALL_CLOCK_TIME, this::writeLedger);
    hourly = context.getStateStore(StoreNames.USAGE_HOURLY);
    totals = context.getStateStore(StoreNames.USAGE_TOTALS);
    dedup =
        new DedupIndex(
            context.getStateStore(StoreNames.DEDUP_IDS),
            context.getStateStore(StoreNames.DEDUP_BUCKETS),
            context.getStateStore(StoreNames.DEDUP_LEGACY),
            dedupWindowMs);
    outcomes = new OutcomeCounter(context.getStateStore(StoreNames.OUTCOMES_ACCOUNTING));
    catalog = new CatalogView(context.getStateStore(StoreNames.CATALOG));
    context.schedule(CATALOG_REFRESH, PunctuationType.WALL_CLOCK_TIME, now -> catalog.refresh());
    context.schedule(
        Duration.ofMillis(publishIntervalMs),
        PunctuationType.WALL_CLOCK_TIME,
        now -> {
          // A task without records yet: its dedup stores need their markers (DedupIndex.start).
          dedup.start(now);
          publish();
        });
  }

  /**
   * Makes what changed since the last time visible to queries. It is not yet committed: a crash
   * before the next commit rolls it back, as it does every effect of the records not yet committed,
   * and those records are processed again.
   */
  private void publish() {
    hourly.publish();
    totals.publish();
    outcomes.publish();
  }

  /**
   * Accounts one event. The dedup write and the counters (which refuse to overflow) come before the
   * kept row and totals change in place; a store write that fails afterwards (room made for a new
   * row by writing back another) can still leave the event half-applied in memory. So a failure
   * must never be skipped: with the defaults (exactly-once, processing errors fatal) Kafka Streams
   * closes the task dirty, dropping every change not yet committed, and restores the state from the
   * changelogs before the uncommitted input is processed again.
   */
  @Override
  public void process(Record<String, InferenceEvent> record) {
    InferenceEvent e = record.value();
    // The record timestamp is the processing time set by the parse step.
    long seenAtMs = record.timestamp();
    Bytes id = dedupKey(e);
    if (dedup.seen(id, seenAtMs)) {
      outcomes.increment(Outcome.DUPLICATE);
      return;
    }
    dedup.add(id, seenAtMs);

    Series s = series(e, catalog.catalog());
    PriceEntry price = s.prices.at(e.timestampMs());
    BigDecimal cost = price == null ? null : Accounting.cost(e, price);
    SloPolicy policy = s.policies.at(e.timestampMs());
    Verdict verdict = Accounting.judge(e, policy != null ? policy : SloPolicy.DEFAULT);
    UsageCounters one = UsageCounters.of(e, cost, verdict);

    WriteBackStore.Entry<HourlyValue> hourEntry = hourEntry(s, e.hourStartMs());
    UsageKey hourKey = s.hourKey;
    HourlyValue row = hourEntry.value();
    // Everything that can fail (an overflowing counter) before the kept row changes in place.
    UsageCounters counters = row == null ? one : row.counters().plus(one);
    s.totals = totals.entry(s.key, s.totals);
    SeriesTotals total = s.totals.value();
    SeriesTotals newTotal =
        (total == null ? SeriesTotals.empty() : total).plus(e, one, verdict.tpotMs(), edges);
    LatencySketches sketches = row == null ? LatencySketches.empty() : row.sketches();
    sketches.add(e, verdict.tpotMs());
    hourly.set(hourEntry, new HourlyValue(counters, sketches));
    totals.set(s.totals, newTotal);
    // An hour is marked pending when its row is created, and stays so until its record is written
    // after it closes; only a new row or an event late for a closed hour needs marking again, and
    // only if it is not still marked: known here since the last ledger step, else asked of the
    // store (a put into the cached store costs more than a get, a get more than the set).
    if ((row == null || mayHaveBeenWritten(hourKey))
        && markedPending.add(hourKey)
        && ledgerPending.get(hourKey) == null) {
      ledgerPending.put(hourKey, PENDING);
    }

    outcomes.increment(Outcome.ACCEPTED);
  }

  /** The event's series, its catalog entries those of {@code c} and its slo_class. */
  private Series series(InferenceEvent e, Catalog c) {
    SeriesKey key = new SeriesKey(e.tenant(), e.model());
    Series s = series.get(key);
    if (s == null) {
      if (series.size() >= MAX_SERIES) {
        series.clear();
      }
      s = new Series(key);
      series.put(key, s);
    }
    if (s.catalog != c) {
      s.catalog = c;
      s.prices = c.priceChain(e.tenant(), e.model());
      s.policies = null;
    }
    if (s.policies == null || !Objects.equals(s.sloClass, e.sloClass())) {
      s.policies = c.policyChain(e.tenant(), e.model(), e.sloClass());
      s.sloClass = e.sloClass();
    }
    return s;
  }

  /** The entry of the series' row of the hour starting at {@code hourStartMs}. */
  private WriteBackStore.Entry<HourlyValue> hourEntry(Series s, long hourStartMs) {
    if (s.hourKey == null || s.hourKey.hourStartMs() != hourStartMs) {
      s.hourKey = new UsageKey(s.key.tenant(), hourStartMs, s.key.model());
      s.hour = null;
    }
    s.hour = hourly.entry(s.hourKey, s.hour);
    return s.hour;
  }

  /**
   * Writes a ledger record for every changed hour that has closed (its end plus the grace is past):
   * the first revision, or the next one after late events. Runs in the task's transaction, so a
   * record and its revision commit together.
   */
  private void writeLedger(long nowMs) {
    markedPending.clear();
    List<UsageKey> due = new ArrayList<>();
    try (KeyValueIterator<UsageKey, byte[]> it = ledgerPending.all()) {
      while (it.hasNext()) {
        UsageKey key = it.next().key;
        if (key.hourStartMs() + InferenceEvent.HOUR_MS + ledgerGraceMs <= nowMs) {
          due.add(key);
        }
      }
    }
    for (UsageKey key : due) {
      Long last = ledgerRevisions.get(key);
      long revision = last == null ? 1 : last + 1;
      context.forward(
          new Record<>(
              UsageRendering.ledgerKey(key),
              UsageRendering.ledgerValue(key, hourly.read(key), revision),
              nowMs));
      ledgerRevisions.put(key, revision);
      ledgerPending.delete(key);
    }
  }

  /**
   * Whether the ledger step may already have written (and unmarked) this hour: it does so only once
   * the hour's end plus the grace has passed on the wall clock. A minute of margin covers the clock
   * stepping back between the ledger step and now.
   */
  private boolean mayHaveBeenWritten(UsageKey hourKey) {
    return hourKey.hourStartMs() + InferenceEvent.HOUR_MS + ledgerGraceMs
        <= context.currentSystemTimeMs() + 60_000L;
  }

  private static Bytes dedupKey(InferenceEvent e) {
    byte[] t = e.tenant().getBytes(StandardCharsets.UTF_8);
    byte[] id = e.eventId().getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[t.length + 1 + id.length];
    System.arraycopy(t, 0, key, 0, t.length);
    System.arraycopy(id, 0, key, t.length + 1, id.length);
    return Bytes.wrap(key);
  }
}
