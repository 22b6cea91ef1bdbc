package dev.goodput.cli.internal;

import dev.goodput.fleet.api.Fleet;
import dev.goodput.fleet.api.FleetConfig;
import java.nio.file.Path;
import java.util.Map;

/** The demo's simulated fleet, or its absence ({@code --no-fleet}). */
public final class DemoFleet implements AutoCloseable {

  private final Fleet fleet;
  private final String description;

  private DemoFleet(Fleet fleet, String description) {
    this.fleet = fleet;
    this.description = description;
  }

  public static DemoFleet none() {
    return new DemoFleet(null, "off (--no-fleet)");
  }

  /**
   * Starts the fleet with the {@code fleet} section of the config; its position is kept in the data
   * directory so that a restart continues the run.
   */
  public static DemoFleet start(
      Map<String, String> section, Map<String, String> kafka, Path dataDir) {
    section.putIfAbsent(
        FleetConfig.STATE_FILE, dataDir.resolve("fleet").resolve("state.json").toString());
    FleetConfig config = Configs.build("fleet", section, FleetConfig::new);
    Fleet fleet = Fleet.start(config, kafka);
    String description =
        "replaying the Azure LLM 2023 conv trace at "
            + config.speed()
            + "x for tenants "
            + String.join(", ", Fleet.tenantNames(config.tenants()))
            + "; models "
            + String.join(", ", Fleet.modelNames())
            + " (run "
            + fleet.runId()
            + ")";
    return new DemoFleet(fleet, description);
  }

  /** Events Kafka has acknowledged, or -1 without a fleet. */
  public long sent() {
    return fleet == null ? -1 : fleet.sent();
  }

  public String description() {
    return description;
  }

  @Override
  public void close() {
    if (fleet != null) {
      fleet.close();
    }
  }
}
