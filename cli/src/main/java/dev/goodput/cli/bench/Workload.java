package dev.goodput.cli.bench;

import dev.goodput.fleet.internal.AzureTrace;
import dev.goodput.fleet.internal.EventGenerator;
import dev.goodput.fleet.internal.FleetData;
import dev.goodput.fleet.internal.ModelProfile;
import dev.goodput.fleet.internal.Tenants;
import dev.goodput.fleet.internal.WeightedChoice;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The benchmark's requests, with the shapes of the fleet's bundled real data: token counts of the
 * Azure LLM inference trace 2023 (row = sequence mod 5,000), the fleet's model mix, TTFT and TPOT
 * of a request measured by vLLM on that model, 1% errors and 2% cancellations (the fleet's
 * defaults, with the fleet's rules for what an error or a cancellation produced).
 *
 * <p>Tenants: ServeGen's 8 biggest {@code m-large} clients keep their names and measured weights;
 * tenants from rank 9 on continue them with a power law {@code w(r) = w(8) * (r / 8)^-s}, {@code s}
 * being the least-squares slope of log(weight) against log(rank) over the 8 measured clients (about
 * 0.51). In series mode the first {@code series} events name every tenant and model once, so that
 * exactly that many series are active; the rest follow the skew.
 *
 * <p>A share of the records are resends of a recent event (same bytes, same event_id), as a client
 * retrying after a timeout would: the pipeline must count each as a duplicate. Timestamps follow
 * the Azure arrival times, scaled into a given interval. Everything is a pure function of the
 * settings and the record number.
 */
final class Workload {

  static final double ERROR_RATIO = 0.01;
  static final double CANCEL_RATIO = 0.02;
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private static final int DUPLICATE_LOOKBACK = 1_000;

  private final AzureTrace trace;
  private final List<ModelProfile> models;
  private final WeightedChoice modelChoice;
  private final List<String> tenantNames;
  private final WeightedChoice tenantChoice;
  private final double zipfExponent;
  private final int series;
  private final String runId;
  private final long seed;
  private final double duplicateRatio;

  private Workload(int tenants, int series, String runId, long seed, double duplicateRatio) {
    FleetData data = FleetData.bundled();
    this.trace = data.trace();
    this.models = data.models();
    this.modelChoice =
        new WeightedChoice(models.stream().mapToDouble(ModelProfile::share).toArray());
    List<Tenants.Tenant> measured = data.tenants().all();
    this.zipfExponent = fitExponent(measured);
    double[] weights = new double[tenants];
    List<String> names = new ArrayList<>(tenants);
    double last = measured.get(measured.size() - 1).meanRateRps();
    for (int i = 0; i < tenants; i++) {
      if (i < measured.size()) {
        weights[i] = measured.get(i).meanRateRps();
        names.add(measured.get(i).name());
      } else {
        weights[i] = last * Math.pow((i + 1.0) / measured.size(), -zipfExponent);
        names.add("tenant-" + (i + 1));
      }
    }
    this.tenantNames = List.copyOf(names);
    this.tenantChoice = new WeightedChoice(weights);
    this.series = series;
    this.runId = runId;
    this.seed = seed;
    if (!(duplicateRatio >= 0 && duplicateRatio < 1)) {
      throw new IllegalArgumentException(
          "duplicate ratio must be in [0, 1), got " + duplicateRatio);
    }
    this.duplicateRatio = duplicateRatio;
  }

  /** Requests over {@code tenants} tenants with the skew described above. */
  static Workload ofTenants(int tenants, String runId, long seed, double duplicateRatio) {
    if (tenants < 1) {
      throw new IllegalArgumentException("tenants must be >= 1, got " + tenants);
    }
    return new Workload(tenants, 0, runId, seed, duplicateRatio);
  }

  /** Requests that make exactly {@code series} tenant x model series active. */
  static Workload ofSeries(int series, String runId, long seed, double duplicateRatio) {
    if (series < 1) {
      throw new IllegalArgumentException("series must be >= 1, got " + series);
    }
    int modelCount = FleetData.bundled().models().size();
    return new Workload(
        (series + modelCount - 1) / modelCount, series, runId, seed, duplicateRatio);
  }

  int tenants() {
    return tenantNames.size();
  }

  double zipfExponent() {
    return zipfExponent;
  }

  /** The share of records that are resends. */
  double duplicateRatio() {
    return duplicateRatio;
  }

  /** Whether record {@code record} is a resend of an earlier event. */
  boolean isDuplicate(long record) {
    return record > 0 && random(~record).nextDouble() < duplicateRatio;
  }

  /** How many of the first {@code records} records are resends. */
  long duplicates(long records) {
    long n = 0;
    for (long r = 0; r < records; r++) {
      if (isDuplicate(r)) {
        n++;
      }
    }
    return n;
  }

  /** One record to produce: its key (the tenant), value and timestamp. */
  record Out(byte[] key, byte[] value, long timestampMs, boolean duplicate) {}

  /** Receives records in order. */
  @FunctionalInterface
  interface Sink {
    void accept(Out record);
  }

  /**
   * Writes {@code records} records to {@code sink}, their timestamps spread over {@code [fromMs,
   * toMs]} by the trace's arrival times.
   */
  void write(long records, long fromMs, long toMs, Sink sink) {
    long unique = records - duplicates(records);
    long spanNs = Math.max(1, trace.gapNs(0, Math.max(0, unique - 1)));
    double msPerNs = (double) (toMs - fromMs) / spanNs;
    long sequence = 0;
    for (long r = 0; r < records; r++) {
      long s;
      boolean duplicate = isDuplicate(r);
      if (duplicate) {
        s = sequence - 1 - random(r).nextInt((int) Math.min(sequence, DUPLICATE_LOOKBACK));
      } else {
        s = sequence++;
      }
      long timestampMs = fromMs + (long) (trace.gapNs(0, s) * msPerNs);
      InferenceEvent e = event(s, timestampMs);
      sink.accept(
          new Out(
              e.tenant().getBytes(StandardCharsets.UTF_8),
              EventWriter.toJson(e),
              timestampMs,
              duplicate));
    }
  }

  /** The request of sequence number {@code sequence}, finished at {@code timestampMs}. */
  InferenceEvent event(long sequence, long timestampMs) {
    SplittableRandom random = random(sequence);
    int tenant;
    int model;
    if (sequence < series) {
      tenant = (int) (sequence / models.size());
      model = (int) (sequence % models.size());
      random.nextDouble();
      random.nextDouble();
    } else {
      tenant = tenantChoice.pick(random.nextDouble());
      model = modelChoice.pick(random.nextDouble());
      if (series > 0 && tenant * models.size() + model >= series) {
        model = series - 1 - tenant * models.size();
      }
    }
    return EventGenerator.request(
        random,
        runId + "-" + sequence,
        tenantNames.get(tenant),
        models.get(model),
        trace,
        trace.row(sequence),
        timestampMs,
        ERROR_RATIO,
        CANCEL_RATIO);
  }

  private SplittableRandom random(long n) {
    return new SplittableRandom(seed ^ (n * GOLDEN_GAMMA));
  }

  /** Least-squares slope of log(weight) over log(rank), negated. */
  private static double fitExponent(List<Tenants.Tenant> measured) {
    int n = measured.size();
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += Math.log(i + 1.0);
      my += Math.log(measured.get(i).meanRateRps());
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      double dx = Math.log(i + 1.0) - mx;
      sxy += dx * (Math.log(measured.get(i).meanRateRps()) - my);
      sxx += dx * dx;
    }
    return -sxy / sxx;
  }
}
