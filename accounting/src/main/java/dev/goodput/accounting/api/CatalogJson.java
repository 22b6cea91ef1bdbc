package dev.goodput.accounting.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and writes the catalog format of contract section 4 ({@code prices} and {@code
 * slo_policies} lists, in YAML or JSON). Prices are read as exact decimals from their text, never
 * through binary floating point. Every entry is checked: required keys, types, ranges, unknown keys
 * (a typo fails rather than being ignored), and duplicate identities.
 */
public final class CatalogJson {

  private static final ObjectMapper YAML =
      YAMLMapper.builder(new YAMLFactory())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .build();
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  private static final Set<String> PRICE_KEYS =
      Set.of(
          "model",
          "tenant",
          "effective_from",
          "input",
          "cached_input",
          "output",
          "reasoning",
          "request");
  private static final Set<String> POLICY_KEYS =
      Set.of(
          "model",
          "slo_class",
          "tenant",
          "effective_from",
          "ttft_ms",
          "tpot_ms",
          "e2e_ms",
          "objective");

  private CatalogJson() {}

  /** Parses YAML (or JSON) text holding {@code prices} and/or {@code slo_policies}. */
  public static Catalog parse(byte[] text, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidCatalogException(source + ": not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidCatalogException(source + ": unreadable: " + e.getMessage());
    }
    return fromTree(root, source);
  }

  /** The catalog in a parsed document; other top-level keys are left to the caller. */
  public static Catalog fromTree(JsonNode root, String source) {
    if (root == null || root.isNull() || root.isMissingNode()) {
      return Catalog.EMPTY;
    }
    List<PriceEntry> prices = new ArrayList<>();
    List<SloPolicy> policies = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    JsonNode p = root.path("prices");
    for (int i = 0; i < list(p, source, "prices").size(); i++) {
      PriceEntry e = price(p.get(i), source + ": prices[" + i + "]");
      if (!seen.add(e.identity())) {
        throw new InvalidCatalogException(
            source
                + ": prices["
                + i
                + "]: a second entry for the same tenant, model and effective_from");
      }
      prices.add(e);
    }
    JsonNode s = root.path("slo_policies");
    for (int i = 0; i < list(s, source, "slo_policies").size(); i++) {
      SloPolicy e = policy(s.get(i), source + ": slo_policies[" + i + "]");
      if (!seen.add(e.identity())) {
        throw new InvalidCatalogException(
            source
                + ": slo_policies["
                + i
                + "]: a second entry for the same tenant, model, slo_class and effective_from");
      }
      policies.add(e);
    }
    return new Catalog(prices, policies);
  }

  private static List<JsonNode> list(JsonNode node, String source, String name) {
    List<JsonNode> out = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw new InvalidCatalogException(source + ": '" + name + "' must be a list of entries");
    }
    node.forEach(out::add);
    return out;
  }

  /** One price entry; {@code where} prefixes every error message. */
  public static PriceEntry price(JsonNode n, String where) {
    checkKeys(n, where, PRICE_KEYS);
    String w = where + " (model " + n.path("model").asText("?") + ")";
    return new PriceEntry(
        name(n, w, "model", 256, true),
        name(n, w, "tenant", 128, false),
        instant(n, w),
        decimal(n, w, "input", true),
        decimal(n, w, "cached_input", false),
        decimal(n, w, "output", true),
        decimal(n, w, "reasoning", false),
        decimal(n, w, "request", false));
  }

  /** One SLO policy entry; {@code where} prefixes every error message. */
  public static SloPolicy policy(JsonNode n, String where) {
    checkKeys(n, where, POLICY_KEYS);
    String w = where + " (model " + n.path("model").asText("?") + ")";
    BigDecimal objective = decimal(n, w, "objective", false);
    if (objective != null && (objective.signum() <= 0 || objective.compareTo(BigDecimal.ONE) > 0)) {
      throw new InvalidCatalogException(
          w + ": 'objective' must be in (0, 1], got " + objective.toPlainString());
    }
    BigDecimal e2e = decimal(n, w, "e2e_ms", false);
    return new SloPolicy(
        name(n, w, "model", 256, true),
        name(n, w, "slo_class", 64, false),
        name(n, w, "tenant", 128, false),
        instant(n, w),
        decimal(n, w, "ttft_ms", true).doubleValue(),
        decimal(n, w, "tpot_ms", true).doubleValue(),
        e2e == null ? null : e2e.doubleValue(),
        objective == null ? SloPolicy.DEFAULT.objective() : objective.doubleValue());
  }

  private static void checkKeys(JsonNode n, String where, Set<String> allowed) {
    if (n == null || !n.isObject()) {
      throw new InvalidCatalogException(where + ": must be a mapping of keys");
    }
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      if (!allowed.contains(e.getKey())) {
        throw new InvalidCatalogException(
            where + ": unknown key '" + e.getKey() + "'; allowed: " + new TreeSet<>(allowed));
      }
    }
  }

  private static String name(
      JsonNode n, String where, String key, int maxLength, boolean required) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new InvalidCatalogException(where + ": '" + key + "' is required");
      }
      return null;
    }
    if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > maxLength) {
      throw new InvalidCatalogException(
          where
              + ": '"
              + key
              + "' must be a non-empty string of at most "
              + maxLength
              + " characters");
    }
    return v.asText();
  }

  private static Instant instant(JsonNode n, String where) {
    JsonNode v = n.get("effective_from");
    if (v == null || v.isNull()) {
      throw new InvalidCatalogException(
          where + ": 'effective_from' is required (RFC 3339, e.g. 2026-01-01T00:00:00Z)");
    }
    try {
      return OffsetDateTime.parse(v.asText()).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidCatalogException(
          where
              + ": 'effective_from' must be an RFC 3339 time with offset, e.g. 2026-01-01T00:00:00Z; got '"
              + v.asText()
              + "'");
    }
  }

  private static BigDecimal decimal(JsonNode n, String where, String key, boolean required) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new InvalidCatalogException(where + ": '" + key + "' is required");
      }
      return null;
    }
    BigDecimal d;
    try {
      d = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim());
    } catch (NumberFormatException e) {
      throw new InvalidCatalogException(
          where + ": '" + key + "' must be a decimal number, got '" + v.asText() + "'");
    }
    if (d.signum() < 0) {
      throw new InvalidCatalogException(
          where + ": '" + key + "' must be >= 0, got " + d.toPlainString());
    }
    return d;
  }

  /** One entry as JSON, prices as decimal strings (the format of the catalog topic). */
  public static byte[] toJson(PriceEntry p) {
    ObjectNode o = JSON.createObjectNode();
    o.put("model", p.model());
    if (p.tenant() != null) {
      o.put("tenant", p.tenant());
    }
    o.put("effective_from", p.effectiveFrom().toString());
    o.put("input", p.input().toPlainString());
    o.put("cached_input", p.cachedInput().toPlainString());
    o.put("output", p.output().toPlainString());
    o.put("reasoning", p.reasoning().toPlainString());
    o.put("request", p.request().toPlainString());
    return write(o);
  }

  /** One policy as JSON (the format of the catalog topic). */
  public static byte[] toJson(SloPolicy p) {
    ObjectNode o = JSON.createObjectNode();
    o.put("model", p.model());
    if (p.sloClass() != null) {
      o.put("slo_class", p.sloClass());
    }
    if (p.tenant() != null) {
      o.put("tenant", p.tenant());
    }
    o.put("effective_from", p.effectiveFrom().toString());
    o.put("ttft_ms", p.ttftMs());
    o.put("tpot_ms", p.tpotMs());
    if (p.e2eMs() != null) {
      o.put("e2e_ms", p.e2eMs());
    }
    o.put("objective", p.objective());
    return write(o);
  }

  /** Parses a price entry written by {@link #toJson(PriceEntry)}. */
  public static PriceEntry priceFromJson(byte[] json, String where) {
    return price(readJson(json, where), where);
  }

  /** Parses a policy written by {@link #toJson(SloPolicy)}. */
  public static SloPolicy policyFromJson(byte[] json, String where) {
    return policy(readJson(json, where), where);
  }

  private static JsonNode readJson(byte[] json, String where) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new InvalidCatalogException(where + ": not valid JSON: " + e.getMessage());
    }
  }

  private static byte[] write(ObjectNode o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
