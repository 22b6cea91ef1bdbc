package dev.goodput.exporters.api;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of {@code /metrics} (the {@code metrics} section of the config file):
 *
 * <ul>
 *   <li>{@code max.tenants} (default 500): at most this many tenants per instance get their own
 *       {@code tenant} label, chosen by cost; the others are summed into {@code
 *       tenant="__other__"}. 0 turns the guard off.
 *   <li>{@code budgets.<tenant>}: a tenant's monthly budget in USD, exported as {@code
 *       goodput_tenant_monthly_budget_usd}. A tenant with a budget always keeps its own label.
 * </ul>
 */
public final class MetricsConfig {

  public static final String MAX_TENANTS = "max.tenants";
  public static final String BUDGETS_PREFIX = "budgets.";
  public static final int DEFAULT_MAX_TENANTS = 500;

  private final int maxTenants;
  private final Map<String, BigDecimal> budgetsUsd;

  private MetricsConfig(int maxTenants, Map<String, BigDecimal> budgetsUsd) {
    this.maxTenants = maxTenants;
    this.budgetsUsd = budgetsUsd;
  }

  public static final MetricsConfig DEFAULT = new MetricsConfig(DEFAULT_MAX_TENANTS, Map.of());

  /**
   * Reads the flattened section.
   *
   * @throws ConfigException naming the key and the reason for an unknown key or a bad value
   */
  public static MetricsConfig of(Map<String, String> section) {
    int maxTenants = DEFAULT_MAX_TENANTS;
    Map<String, BigDecimal> budgets = new TreeMap<>();
    for (Map.Entry<String, String> e : section.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (key.equals(MAX_TENANTS)) {
        try {
          maxTenants = Integer.parseInt(value.trim());
        } catch (NumberFormatException ex) {
          throw new ConfigException("metrics." + key, value, "must be a whole number");
        }
        if (maxTenants < 0) {
          throw new ConfigException("metrics." + key, value, "must be 0 (no limit) or more");
        }
      } else if (key.startsWith(BUDGETS_PREFIX) && key.length() > BUDGETS_PREFIX.length()) {
        BigDecimal budget;
        try {
          budget = new BigDecimal(value.trim());
        } catch (NumberFormatException ex) {
          throw new ConfigException("metrics." + key, value, "must be a decimal amount of USD");
        }
        if (budget.signum() < 0) {
          throw new ConfigException("metrics." + key, value, "must not be negative");
        }
        budgets.put(key.substring(BUDGETS_PREFIX.length()), budget);
      } else {
        throw new ConfigException(
            "metrics." + key, value, "unknown key; expected max.tenants or budgets.<tenant>");
      }
    }
    return new MetricsConfig(maxTenants, Map.copyOf(budgets));
  }

  /** The most tenants with their own label per instance; 0 means no limit. */
  public int maxTenants() {
    return maxTenants;
  }

  /** Monthly budgets in USD by tenant. */
  public Map<String, BigDecimal> budgetsUsd() {
    return budgetsUsd;
  }
}
