package dev.goodput.fleet.internal;

import java.util.List;

/**
 * Everything the fleet replays, read once from the bundled files: the Azure arrivals and token
 * counts, the ServeGen tenant weights, and the models with their measured latencies and fixed mix.
 */
public final class FleetData {

  /**
   * The model mix. The shares are a fixed assumption of the simulation (no trace says which model a
   * request used); the latencies are measured (see {@code vllm-bench/SOURCE.md}).
   */
  private static final List<Spec> MODELS =
      List.of(
          new Spec("llama-3.3-70b-instruct", 0.55, "interactive", "vllm-llama-3.3-70b-tp8pp1"),
          new Spec("llama-3.3-70b-instruct-economy", 0.25, "batch", "vllm-llama-3.3-70b-tp4pp2"),
          new Spec("deepseek-v2.5", 0.20, "interactive", "vllm-deepseek-v2.5-tp8pp2"));

  private record Spec(String name, double share, String sloClass, String server) {}

  private static final class Bundled {
    static final FleetData INSTANCE = read();
  }

  private final AzureTrace trace;
  private final Tenants tenants;
  private final List<ModelProfile> models;
  private final String checksum;

  private FleetData(AzureTrace trace, Tenants tenants, List<ModelProfile> models, String checksum) {
    this.trace = trace;
    this.tenants = tenants;
    this.models = List.copyOf(models);
    this.checksum = checksum;
  }

  /** The data bundled with this module (read on first use, then shared; immutable). */
  public static FleetData bundled() {
    return Bundled.INSTANCE;
  }

  private static FleetData read() {
    Resources resources = new Resources();
    AzureTrace trace = AzureTrace.read(resources);
    Tenants tenants = Tenants.read(resources);
    List<ModelProfile> models =
        MODELS.stream()
            .map(m -> ModelProfile.read(resources, m.name(), m.share(), m.sloClass(), m.server()))
            .toList();
    return new FleetData(trace, tenants, models, resources.checksum());
  }

  public AzureTrace trace() {
    return trace;
  }

  public Tenants tenants() {
    return tenants;
  }

  /** The models in a fixed order; their shares add up to 1. */
  public List<ModelProfile> models() {
    return models;
  }

  /** Identifies the bundled data: the CRC-32 of every file read. */
  public String checksum() {
    return checksum;
  }
}
