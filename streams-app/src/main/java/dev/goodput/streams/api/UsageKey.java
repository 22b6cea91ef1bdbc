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
}
