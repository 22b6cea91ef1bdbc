package dev.goodput.streams.api;

/** Names of the queryable state stores of the topology. */
public final class StoreNames {
  /** Usage per tenant, UTC hour and model: {@link UsageKey} to {@link UsageCounters}. */
  public static final String USAGE_HOURLY = "usage-hourly";

  /** Usage since the beginning per tenant and model: {@link SeriesKey} to {@link SeriesTotals}. */
  public static final String USAGE_TOTALS = "usage-totals";

  /** Outcome counts decided while parsing (before the repartition by tenant). */
  public static final String OUTCOMES_INGRESS = "outcomes-ingress";

  /** Outcome counts decided while accounting (after the repartition by tenant). */
  public static final String OUTCOMES_ACCOUNTING = "outcomes-accounting";

  /**
   * Event ids accepted within the dedup window, per tenant, by the window-long bucket of the
   * processing time they were accepted at: written a few thousand at a time, its changelog holding
   * batches of ids (DedupIdStore).
   */
  public static final String DEDUP_IDS = "dedup-ids";

  /**
   * Event ids as the versions before {@link #DEDUP_IDS} kept them: a window store keyed by the id,
   * under the start of the bucket of the processing time it was accepted at. Read for one dedup
   * window after an upgrade, never written but for a marker.
   */
  public static final String DEDUP_BUCKETS = "dedup-buckets";

  /**
   * Event ids by the processing time they were accepted at, as versions before {@link
   * #DEDUP_BUCKETS} kept them: read for one dedup window after an upgrade, never written but for a
   * marker.
   */
  public static final String DEDUP_LEGACY = "dedup";

  /** The price and SLO policy catalog: a global store every instance holds in full. */
  public static final String CATALOG = "catalog";

  /** Hourly rows changed since their last ledger record: {@link UsageKey} to a marker. */
  public static final String LEDGER_PENDING = "ledger-pending";

  /** The last ledger revision written per hourly row: {@link UsageKey} to a revision. */
  public static final String LEDGER_REVISIONS = "ledger-revisions";

  private StoreNames() {}
}
