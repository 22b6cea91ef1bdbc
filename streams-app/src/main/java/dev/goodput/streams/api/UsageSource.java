package dev.goodput.streams.api;

import java.util.List;

/**
 * Where the usage API gets its rows: this instance's state alone ({@link UsageQueries}) or every
 * instance of the application ({@link ClusterUsage}). An answer is complete or not given: when any
 * part of it cannot be read right now, a {@link NotReadyException} is thrown.
 */
public interface UsageSource {

  /**
   * A tenant's hourly rows with hour start in {@code [fromMs, toMs)}, sorted by hour and model.
   *
   * @param authorization the caller's {@code Authorization} header (or {@code null}), passed on
   *     when another instance must be asked
   */
  List<HourlyUsage> hourly(String tenant, long fromMs, long toMs, String authorization);

  /** Every tenant's hourly rows with hour start in {@code [fromMs, toMs)}, sorted by tenant. */
  List<HourlyUsage> hourlyAllTenants(long fromMs, long toMs, String authorization);
}
