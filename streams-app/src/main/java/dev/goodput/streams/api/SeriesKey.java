package dev.goodput.streams.api;

import java.util.Objects;

/** A tenant and a model: the identity of one exported time series. */
public record SeriesKey(String tenant, String model) {
  public SeriesKey {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
  }

  // Written out: the record's generated methods go through method handles, and these run for every
  // event in the stream thread's map of kept totals.
  @Override
  public int hashCode() {
    return 31 * tenant.hashCode() + model.hashCode();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeriesKey k && tenant.equals(k.tenant) && model.equals(k.model);
  }
}
