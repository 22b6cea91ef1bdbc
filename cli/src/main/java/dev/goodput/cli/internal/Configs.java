package dev.goodput.cli.internal;

import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigException;

/** Builds a component's typed config from a section, naming the section in any error. */
public final class Configs {
  private Configs() {}

  /**
   * @throws ConfigException "config section 'api': Invalid value x for configuration port: ..."
   */
  public static <T> T build(
      String section, Map<String, String> values, Function<Map<String, String>, T> ctor) {
    try {
      return ctor.apply(values);
    } catch (ConfigException e) {
      throw new ConfigException("config section '" + section + "': " + e.getMessage());
    }
  }
}
