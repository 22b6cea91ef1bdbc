package dev.goodput.streams.api;

import java.util.Objects;

/**
 * The key of one hourly usage row: a tenant, the start of a UTC hour (epoch milliseconds) and a
 * model.
 */
public record UsageKey(String tenant, long hourStartMs, String model) {
  public UsageKey {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
  }

  // Written out: the record's generated methods go through method handles, and these run for every
  // event in the stream thread's maps of kept rows.
  @Override
  public int hashCode() {
    return (31 * tenant.hashCode() + Long.hashCode(hourStartMs)) * 31 + model.hashCode();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UsageKey k
        && hourStartMs == k.hourStartMs
        && tenant.equals(k.tenant)
        && model.equals(k.model);
  }
}
