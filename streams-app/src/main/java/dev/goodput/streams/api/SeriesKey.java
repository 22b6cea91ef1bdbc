package dev.goodput.streams.api;

import java.util.Objects;

/** A tenant and a model: the identity of one exported time series. */
public record SeriesKey(String tenant, String model) {
  public SeriesKey {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
  }
}
