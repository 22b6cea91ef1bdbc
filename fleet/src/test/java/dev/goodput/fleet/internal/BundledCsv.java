package dev.goodput.fleet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a bundled CSV file directly, independently of the production readers. */
public final class BundledCsv {

  private BundledCsv() {}

  /** The data rows (header dropped), split on commas. */
  public static List<String[]> rows(String path) {
    try (InputStream in = BundledCsv.class.getResourceAsStream("/dev/goodput/fleet/" + path)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String[]> out = new ArrayList<>();
      String[] lines = text.split("\r?\n");
      for (int i = 1; i < lines.length; i++) {
        out.add(lines[i].split(","));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
