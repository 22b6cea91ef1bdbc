package dev.goodput.cli.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.accounting.api.InvalidCatalogException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;

/**
 * The Goodput configuration file (YAML), split into sections: {@code kafka} (properties of every
 * Kafka client, e.g. {@code bootstrap.servers}, TLS and SASL settings), {@code streams}, {@code
 * api}, {@code fleet}, and the catalog lists {@code prices} and {@code slo_policies}. Nested keys
 * are joined with dots ({@code api: {bind: {address: x}}} is {@code bind.address}). An unknown
 * section, or a value that is not a scalar, fails loading with the file, the key and the reason.
 */
public final class ConfigFile {

  /** The sections this release understands. */
  public static final Set<String> SECTIONS =
      Set.of("kafka", "streams", "api", "metrics", "fleet", "prices", "slo_policies");

  private static final Set<String> CATALOG_SECTIONS = Set.of("prices", "slo_policies");

  private final Map<String, Map<String, String>> sections;
  private final Catalog catalog;

  private ConfigFile(Map<String, Map<String, String>> sections, Catalog catalog) {
    this.sections = sections;
    this.catalog = catalog;
  }

  /** An empty configuration: every setting at its default, no prices, no SLO policies. */
  public static ConfigFile empty() {
    return new ConfigFile(new LinkedHashMap<>(), Catalog.EMPTY);
  }

  /**
   * Reads and checks a file.
   *
   * @throws ConfigException naming the file, the key and the reason
   */
  public static ConfigFile load(Path file) {
    JsonNode root;
    try {
      // Decimals stay exact: prices must never pass through binary floating point.
      root =
          YAMLMapper.builder(new YAMLFactory())
              .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
              .build()
              .readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new ConfigException(file + ": not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the file: " + e.getMessage());
    }
    Map<String, Map<String, String>> sections = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new ConfigFile(sections, Catalog.EMPTY);
    }
    if (!root.isObject()) {
      throw new ConfigException(file + ": expected a mapping of sections " + SECTIONS);
    }
    for (Map.Entry<String, JsonNode> section : root.properties()) {
      if (!SECTIONS.contains(section.getKey())) {
        throw new ConfigException(
            file
                + ": unknown section '"
                + section.getKey()
                + "'; this release understands "
                + SECTIONS);
      }
      if (CATALOG_SECTIONS.contains(section.getKey())) {
        continue;
      }
      Map<String, String> values = new LinkedHashMap<>();
      flatten(file, section.getKey(), "", section.getValue(), values);
      sections.put(section.getKey(), values);
    }
    Catalog catalog;
    try {
      catalog = CatalogJson.fromTree(root, file.toString());
    } catch (InvalidCatalogException e) {
      throw new ConfigException(e.getMessage());
    }
    return new ConfigFile(sections, catalog);
  }

  private static void flatten(
      Path file, String section, String prefix, JsonNode node, Map<String, String> out) {
    if (node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      throw new ConfigException(
          file + ": " + section + (prefix.isEmpty() ? "" : "." + prefix) + ": expected a mapping");
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flatten(file, section, key, v, out);
      } else if (v.isValueNode() && !v.isNull()) {
        out.put(key, v.asText());
      } else {
        throw new ConfigException(
            file
                + ": "
                + section
                + "."
                + key
                + ": expected a single value, got "
                + v.getNodeType());
      }
    }
  }

  /** The prices and SLO policies of the file. */
  public Catalog catalog() {
    return catalog;
  }

  /** The flattened keys of a section (empty if the file has none). */
  public Map<String, String> section(String name) {
    return new LinkedHashMap<>(sections.getOrDefault(name, Map.of()));
  }
}
