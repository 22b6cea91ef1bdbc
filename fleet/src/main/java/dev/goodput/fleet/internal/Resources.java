package dev.goodput.fleet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** Reads the bundled data files; each read also feeds a checksum that identifies the data. */
final class Resources {

  static final String ROOT = "/dev/goodput/fleet/";

  private final CRC32 checksum = new CRC32();

  /** The non-empty lines of a bundled text file, without line ends (LF or CRLF). */
  List<String> lines(String path) {
    byte[] bytes;
    try (InputStream in = Resources.class.getResourceAsStream(ROOT + path)) {
      if (in == null) {
        throw new IllegalStateException("bundled data file missing from the classpath: " + path);
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read bundled data file " + path, e);
    }
    checksum.update(bytes);
    List<String> out = new ArrayList<>();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
      String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return out;
  }

  /** CRC-32 of every file read so far, in the order read, as 8 hex digits. */
  String checksum() {
    return String.format("%08x", checksum.getValue());
  }

  /** The data lines of a CSV file after checking its header. */
  static List<String> rows(List<String> lines, String path, String header) {
    if (lines.isEmpty() || !lines.get(0).equals(header)) {
      throw new IllegalStateException(
          "bundled data file " + path + ": expected the header \"" + header + "\"");
    }
    return lines.subList(1, lines.size());
  }
}
