package dev.goodput.accounting.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One effective-dated price of the price catalog, in USD per 1M tokens (and per request). Absent
 * optional prices take the contract's defaults: {@code cachedInput} is {@code input}, {@code
 * reasoning} is {@code output}, {@code request} is 0.
 *
 * @param model an exact model name, or {@code *} for any model
 * @param tenant the tenant whose contract this is, or {@code null} for the general price
 */
public record PriceEntry(
    String model,
    String tenant,
    Instant effectiveFrom,
    BigDecimal input,
    BigDecimal cachedInput,
    BigDecimal output,
    BigDecimal reasoning,
    BigDecimal request) {

  public PriceEntry {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(effectiveFrom, "effectiveFrom");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    cachedInput = cachedInput == null ? input : cachedInput;
    reasoning = reasoning == null ? output : reasoning;
    request = request == null ? BigDecimal.ZERO : request;
  }

  /** What makes two entries the same entry: a later one with the same identity replaces it. */
  public String identity() {
    return "price|" + (tenant == null ? "" : tenant) + "|" + model + "|" + effectiveFrom;
  }
}
