package dev.goodput.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Dedup keys as the pipeline builds them for `goodput bench`'s events. */
final class DedupKeys {

  private DedupKeys() {}

  /**
   * The key of event {@code sequence} of tenant {@code tenant} (from 1): the tenant, a zero byte,
   * the event id (a run id and a sequence number, as the benchmark's load names them).
   */
  static byte[] of(int tenant, int sequence) {
    byte[] t = ("tenant-" + tenant).getBytes(StandardCharsets.UTF_8);
    byte[] id = ("bench-5f1c2a-" + (1_000_000 + sequence)).getBytes(StandardCharsets.UTF_8);
    byte[] key = Arrays.copyOf(t, t.length + 1 + id.length);
    System.arraycopy(id, 0, key, t.length + 1, id.length);
    return key;
  }
}
