package dev.goodput.cli.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
 * api} and {@code fleet}. Nested keys are joined with dots ({@code api: {bind: {address: x}}} is
 * {@code bind.address}). An unknown section, or a value that is not a scalar, fails loading with
 * the file, the key and the reason.
 */
public final class ConfigFile {

  /** The sections this release understands. */
  public static final Set<String> SECTIONS = Set.of("kafka", "streams", "api", "fleet");

  private final Map<String, Map<String, String>> sections;

  private ConfigFile(Map<String, Map<String, String>> sections) {
    this.sections = sections;
  }

  /** An empty configuration: every setting at its default. */
  public static ConfigFile empty() {
    return new ConfigFile(new LinkedHashMap<>());
  }

  /**
   * Reads and checks a file.
   *
   * @throws ConfigException naming the file, the key and the reason
   */
  public static ConfigFile load(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new ConfigException(file + ": not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the file: " + e.getMessage());
    }
    Map<String, Map<String, String>> sections = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new ConfigFile(sections);
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
      Map<String, String> values = new LinkedHashMap<>();
      flatten(file, section.getKey(), "", section.getValue(), values);
      sections.put(section.getKey(), values);
    }
    return new ConfigFile(sections);
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

  /** The flattened keys of a section (empty if the file has none). */
  public Map<String, String> section(String name) {
    return new LinkedHashMap<>(sections.getOrDefault(name, Map.of()));
  }
}
