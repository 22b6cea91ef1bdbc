package dev.goodput.streams.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of the HTTP API (the {@code api} section of the config file). */
public final class ApiConfig extends AbstractConfig {

  public static final String BIND_ADDRESS = "bind.address";
  public static final String PORT = "port";
  public static final String THREADS = "threads";
  public static final String KEYS_FILE = "keys.file";

  private static final ConfigDef DEF =
      new ConfigDef()
          .define(
              BIND_ADDRESS,
              Type.STRING,
              "127.0.0.1",
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              "Address the API listens on. 127.0.0.1 keeps it on this machine.")
          .define(
              PORT,
              Type.INT,
              8080,
              ConfigDef.Range.between(0, 65535),
              Importance.HIGH,
              "TCP port of the API and /metrics; 0 picks a free port.")
          .define(
              THREADS,
              Type.INT,
              4,
              ConfigDef.Range.atLeast(1),
              Importance.LOW,
              "Threads serving HTTP requests.")
          .define(
              KEYS_FILE,
              Type.STRING,
              "",
              Importance.HIGH,
              "YAML file of API keys (hashes and roles). Empty: no authentication, which `goodput"
                  + " run` refuses unless --insecure.");

  public ApiConfig(Map<String, ?> values) {
    super(DEF, values, false);
  }

  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  public String bindAddress() {
    return getString(BIND_ADDRESS);
  }

  public int port() {
    return getInt(PORT);
  }

  public int threads() {
    return getInt(THREADS);
  }

  /** The API keys, or empty when authentication is off. */
  public Optional<ApiKeys> keys() {
    String file = getString(KEYS_FILE);
    return file.isBlank() ? Optional.empty() : Optional.of(ApiKeys.load(Path.of(file)));
  }
}
