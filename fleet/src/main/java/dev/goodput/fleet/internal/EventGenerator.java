package dev.goodput.fleet.internal;

import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.Status;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Turns a sequence number into the request it stands for: a pure function of the bundled data, the
 * run id, the seed, the tenant count and the outcome ratios. The same inputs give an equal event
 * (and the same JSON bytes) in any process, in any order, which is what lets a restarted fleet
 * re-send an in-flight event unchanged.
 *
 * <p>For sequence {@code s}: the tokens come from trace row {@code s mod 5000}; a {@link
 * SplittableRandom} seeded from ({@code seed}, {@code s}) draws, in this order, the tenant
 * (ServeGen weights), the model (fixed mix), one of the model's measured requests, the outcome, and
 * for a cancelled request how many tokens it produced.
 *
 * <ul>
 *   <li>{@code ok}: all the trace's output tokens; {@code ttft_ms} is the measured TTFT and {@code
 *       e2e_ms = ttft_ms + tpot × (output_tokens − 1)} with the measured request's TPOT.
 *   <li>{@code error} (assumption): the server fails the request at the end of prefill: no output
 *       tokens, no TTFT, {@code e2e_ms} = the measured TTFT.
 *   <li>{@code cancelled} (assumption): the client goes away after {@code k} tokens, {@code k}
 *       uniform in {@code [0, output)}; the times are those of the first {@code k} tokens ({@code
 *       e2e_ms} = the measured TTFT when {@code k = 0}).
 * </ul>
 *
 * <p>Prompt tokens are never cached ({@code cached_input_tokens = 0}) and there are no reasoning
 * tokens: the Azure trace records neither.
 */
public final class EventGenerator {

  /** Changes whenever the same inputs would give a different event. */
  static final int VERSION = 1;

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private final AzureTrace trace;
  private final List<Tenants.Tenant> tenants;
  private final WeightedChoice tenantChoice;
  private final List<ModelProfile> models;
  private final WeightedChoice modelChoice;
  private final String runId;
  private final long seed;
  private final double errorRatio;
  private final double cancelRatio;
  private final String contentId;

  public EventGenerator(
      FleetData data,
      String runId,
      long seed,
      int tenantCount,
      double errorRatio,
      double cancelRatio) {
    this.trace = data.trace();
    this.tenants = data.tenants().first(tenantCount);
    this.models = data.models();
    this.runId = Objects.requireNonNull(runId, "runId");
    this.seed = seed;
    if (!(errorRatio >= 0 && cancelRatio >= 0 && errorRatio + cancelRatio <= 1)) {
      throw new IllegalArgumentException(
          "error and cancel ratios must be >= 0 and add up to at most 1, got "
              + errorRatio
              + " and "
              + cancelRatio);
    }
    this.errorRatio = errorRatio;
    this.cancelRatio = cancelRatio;
    this.tenantChoice =
        new WeightedChoice(tenants.stream().mapToDouble(t -> t.meanRateRps()).toArray());
    this.modelChoice =
        new WeightedChoice(models.stream().mapToDouble(ModelProfile::share).toArray());
    this.contentId = contentId(data, seed, tenantCount, errorRatio, cancelRatio);
  }

  /**
   * Everything that decides the content of an event besides its run id, sequence number and
   * timestamp: two generators with the same content id and run id give equal events.
   */
  public String contentId() {
    return contentId;
  }

  /** The {@link #contentId()} of a generator with these settings. */
  public static String contentId(
      FleetData data, long seed, int tenantCount, double errorRatio, double cancelRatio) {
    return "generator="
        + VERSION
        + ";data="
        + data.checksum()
        + ";seed="
        + seed
        + ";tenants="
        + tenantCount
        + ";error.ratio="
        + errorRatio
        + ";cancel.ratio="
        + cancelRatio;
  }

  public String runId() {
    return runId;
  }

  /** The event id of a sequence number: {@code <run id>-<sequence>}. */
  public String eventId(long sequence) {
    return runId + "-" + sequence;
  }

  /** The request of sequence number {@code sequence}, finished at {@code timestampMs}. */
  public InferenceEvent event(long sequence, long timestampMs) {
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must be >= 0, got " + sequence);
    }
    SplittableRandom random = new SplittableRandom(mix64(mix64(seed) ^ (sequence * GOLDEN_GAMMA)));
    int row = trace.row(sequence);
    Tenants.Tenant tenant = tenants.get(tenantChoice.pick(random.nextDouble()));
    ModelProfile model = models.get(modelChoice.pick(random.nextDouble()));
    return request(
        random,
        eventId(sequence),
        tenant.name(),
        model,
        trace,
        row,
        timestampMs,
        errorRatio,
        cancelRatio);
  }

  /**
   * One request to {@code model} for {@code tenant}: the trace row's token counts, a latency vLLM
   * measured on that model, and an outcome (error, cancelled, ok at the given ratios), drawn from
   * {@code random} in that order, so that a seeded sequence of events never changes.
   */
  public static InferenceEvent request(
      SplittableRandom random,
      String eventId,
      String tenant,
      ModelProfile model,
      AzureTrace trace,
      int row,
      long timestampMs,
      double errorRatio,
      double cancelRatio) {
    ModelProfile.MeasuredRequest measured =
        model.measured().get(random.nextInt(model.measured().size()));
    double outcome = random.nextDouble();
    Status status =
        outcome < errorRatio
            ? Status.ERROR
            : outcome < errorRatio + cancelRatio ? Status.CANCELLED : Status.OK;
    long traceOutput = trace.outputTokens(row);
    long produced =
        switch (status) {
          case OK -> traceOutput;
          case ERROR -> 0;
          case CANCELLED -> traceOutput == 0 ? 0 : random.nextLong(traceOutput);
        };
    Double ttftMs = produced >= 1 ? measured.ttftMs() : null;
    double e2eMs =
        produced >= 1
            ? Math.max(
                measured.ttftMs(),
                roundMicros(measured.ttftMs() + measured.tpotMs() * (produced - 1)))
            : measured.ttftMs();
    return new InferenceEvent(
        eventId,
        tenant,
        model.name(),
        timestampMs,
        status,
        trace.inputTokens(row),
        0,
        produced,
        0,
        ttftMs,
        e2eMs,
        null,
        model.sloClass(),
        model.server(),
        null,
        null,
        null,
        Map.of("trace_row", Integer.toString(row)));
  }

  private static double roundMicros(double ms) {
    return Math.round(ms * 1000.0) / 1000.0;
  }

  /** Stafford's mix 13, the finaliser {@link SplittableRandom} uses. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
