package dev.goodput.fleet.api;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Settings of the simulated fleet (the {@code fleet} section of the config file), checked when the
 * instance is built. Keys not defined here are passed to the Kafka producer unchanged.
 */
public final class FleetConfig extends AbstractConfig {

  public static final String SPEED = "speed";
  public static final String SEED = "seed";
  public static final String TENANTS = "tenants";
  public static final String ERROR_RATIO = "error.ratio";
  public static final String CANCEL_RATIO = "cancel.ratio";
  public static final String MAX_EVENTS = "max.events";
  public static final String STATE_FILE = "state.file";
  public static final String CHECKPOINT_INTERVAL_MS = "checkpoint.interval.ms";
  public static final String CHECKPOINT_MAX_EVENTS = "checkpoint.max.events";

  private static final ConfigDef.Validator POSITIVE_FINITE =
      new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
          double v = value == null ? Double.NaN : ((Number) value).doubleValue();
          if (!(v > 0) || Double.isInfinite(v)) {
            throw new ConfigException(name, value, "must be a finite number > 0");
          }
        }

        @Override
        public String toString() {
          return "(0,...) finite";
        }
      };

  private static final ConfigDef DEF =
      new ConfigDef()
          .define(
              SPEED,
              Type.DOUBLE,
              1.0,
              POSITIVE_FINITE,
              Importance.HIGH,
              "Replay speed: the trace's gaps between requests are divided by it. 1 is real time"
                  + " (about 4.9 requests/s on average), 10 is ten times faster.")
          .define(
              SEED,
              Type.LONG,
              20231116L,
              Importance.MEDIUM,
              "Seed of the tenant, model, latency and outcome draws. Events depend only on it, the"
                  + " settings below and their sequence number, so a run can be reproduced.")
          .define(
              TENANTS,
              Type.INT,
              8,
              ConfigDef.Range.between(5, 8),
              Importance.MEDIUM,
              "How many tenants: the first N of acme, globex, initech, umbrella, hooli, stark,"
                  + " wayne, wonka, which carry the request-rate weights of ServeGen's 8 biggest"
                  + " m-large clients.")
          .define(
              ERROR_RATIO,
              Type.DOUBLE,
              0.01,
              ConfigDef.Range.between(0.0, 1.0),
              Importance.LOW,
              "Share of requests that end with status error. An assumption: none of the bundled"
                  + " traces records outcomes.")
          .define(
              CANCEL_RATIO,
              Type.DOUBLE,
              0.02,
              ConfigDef.Range.between(0.0, 1.0),
              Importance.LOW,
              "Share of requests that end with status cancelled. An assumption: none of the"
                  + " bundled traces records outcomes. error.ratio + cancel.ratio must be <= 1.")
          .define(
              MAX_EVENTS,
              Type.LONG,
              0L,
              ConfigDef.Range.atLeast(0L),
              Importance.LOW,
              "Stop once this many events of the run (counted across restarts) are acknowledged;"
                  + " 0 for never.")
          .define(
              STATE_FILE,
              Type.STRING,
              "goodput-data/fleet/state.json",
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              "Where the fleet keeps its run id and position. A restart on the same file continues"
                  + " the run; a new file (or changed seed, tenants or ratios) starts a new run"
                  + " with a new run id.")
          .define(
              CHECKPOINT_INTERVAL_MS,
              Type.LONG,
              1_000L,
              ConfigDef.Range.atLeast(1L),
              Importance.LOW,
              "Longest schedule, in milliseconds, between two saves of the state file: after a"
                  + " crash at most this much (and at most checkpoint.max.events) is sent again.")
          .define(
              CHECKPOINT_MAX_EVENTS,
              Type.INT,
              1_000,
              ConfigDef.Range.between(1, 1_000_000),
              Importance.LOW,
              "Most events between two saves of the state file.");

  public FleetConfig(Map<String, ?> values) {
    super(DEF, values, false);
    if (errorRatio() + cancelRatio() > 1.0) {
      throw new ConfigException(
          ERROR_RATIO
              + " + "
              + CANCEL_RATIO
              + " must be <= 1, got "
              + errorRatio()
              + " + "
              + cancelRatio());
    }
  }

  /** The documented keys, defaults and validators (for the reference docs). */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  public double speed() {
    return getDouble(SPEED);
  }

  public long seed() {
    return getLong(SEED);
  }

  public int tenants() {
    return getInt(TENANTS);
  }

  public double errorRatio() {
    return getDouble(ERROR_RATIO);
  }

  public double cancelRatio() {
    return getDouble(CANCEL_RATIO);
  }

  public long maxEvents() {
    return getLong(MAX_EVENTS);
  }

  public Path stateFile() {
    return Path.of(getString(STATE_FILE));
  }

  public long checkpointIntervalMs() {
    return getLong(CHECKPOINT_INTERVAL_MS);
  }

  public int checkpointMaxEvents() {
    return getInt(CHECKPOINT_MAX_EVENTS);
  }

  /**
   * Producer properties: the Kafka client settings (bootstrap servers, TLS, SASL, ...), then this
   * section's keys that are not fleet settings, then what the fleet relies on: {@code acks=all},
   * idempotence, byte-array serializers. {@code client.id} defaults to {@code goodput-fleet}.
   */
  public Map<String, Object> producerProperties(Map<String, ?> kafkaClientProperties) {
    Map<String, Object> props = new HashMap<>(kafkaClientProperties);
    Map<String, Object> own = new HashMap<>(originals());
    own.keySet().removeAll(DEF.names());
    props.putAll(own);
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "goodput-fleet");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return props;
  }
}
