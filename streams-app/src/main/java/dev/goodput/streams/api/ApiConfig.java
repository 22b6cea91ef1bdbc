package dev.goodput.streams.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Settings of the HTTP API (the {@code api} section of the config file). */
public final class ApiConfig extends AbstractConfig {

  public static final String BIND_ADDRESS = "bind.address";
  public static final String PORT = "port";
  public static final String THREADS = "threads";
  public static final String KEYS_FILE = "keys.file";
  public static final String ADVERTISED_HOST = "advertised.host";

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
              ADVERTISED_HOST,
              Type.STRING,
              "",
              Importance.MEDIUM,
              "Host name or address other instances reach this one's API at, to forward usage"
                  + " queries (Kafka Streams application.server). Empty: the bind address, or this"
                  + " machine's host name when binding all addresses. In Kubernetes, the pod IP.")
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

  /** The host other instances reach this API at. */
  public String advertisedHost() {
    String host = getString(ADVERTISED_HOST);
    if (!host.isBlank()) {
      return host;
    }
    String bind = bindAddress();
    try {
      return InetAddress.getByName(bind).isAnyLocalAddress()
          ? InetAddress.getLocalHost().getHostName()
          : bind;
    } catch (UnknownHostException e) {
      throw new ConfigException(
          BIND_ADDRESS,
          bind,
          "cannot be resolved (" + e.getMessage() + "); set api.advertised.host");
    }
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
