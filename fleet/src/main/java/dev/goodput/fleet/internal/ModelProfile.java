package dev.goodput.fleet.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * One simulated model: its name, its fixed share of the requests, the {@code slo_class} and {@code
 * server} its events carry, and the requests measured on its deployment.
 */
public record ModelProfile(
    String name, double share, String sloClass, String server, List<MeasuredRequest> measured) {

  static final String HEADER = "request,input_len,output_len,ttft_ms,e2e_ms";

  public ModelProfile {
    measured = List.copyOf(measured);
    if (measured.isEmpty()) {
      throw new IllegalArgumentException(name + ": no measured request with output_len >= 2");
    }
  }

  /** One request measured by vLLM's benchmark: lengths in tokens, times in milliseconds. */
  public record MeasuredRequest(
      int request, int inputLen, int outputLen, double ttftMs, double e2eMs) {

    /** Time per output token after the first, as the contract defines TPOT. */
    public double tpotMs() {
      return outputLen >= 2 ? (e2eMs - ttftMs) / (outputLen - 1) : 0;
    }
  }

  /**
   * Reads {@code vllm-bench/<name>.csv}, keeping the requests with {@code output_len >= 2}: the
   * ones with a measured time per output token.
   */
  static ModelProfile read(
      Resources resources, String name, double share, String sloClass, String server) {
    String path = "vllm-bench/" + name + ".csv";
    List<MeasuredRequest> out = new ArrayList<>();
    for (String row : Resources.rows(resources.lines(path), path, HEADER)) {
      String[] f = row.split(",", -1);
      if (f.length != 5) {
        throw new IllegalStateException(path + ": expected 5 columns in \"" + row + "\"");
      }
      MeasuredRequest m =
          new MeasuredRequest(
              Integer.parseInt(f[0]),
              Integer.parseInt(f[1]),
              Integer.parseInt(f[2]),
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4]));
      if (m.ttftMs() < 0 || m.e2eMs() < m.ttftMs()) {
        throw new IllegalStateException(path + ": need 0 <= ttft_ms <= e2e_ms in \"" + row + "\"");
      }
      if (m.outputLen() >= 2) {
        out.add(m);
      }
    }
    return new ModelProfile(name, share, sloClass, server, out);
  }
}
