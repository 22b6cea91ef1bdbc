package dev.goodput.streams.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.goodput.streams.api.UsageColumns;
import dev.goodput.streams.api.UsageCounters;
import dev.goodput.streams.api.UsageReport;
import dev.goodput.streams.api.UsageRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Renders a usage report as the contract's JSON document or as CSV with the same columns. */
public final class UsageRendering {

  private static final JsonFactory JSON = new JsonFactory();

  private UsageRendering() {}

  public static byte[] json(UsageReport report) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("tenant", report.tenant());
      g.writeStringField("from", report.from().toString());
      g.writeStringField("to", report.to().toString());
      g.writeStringField("granularity", report.granularity().label());
      g.writeArrayFieldStart("rows");
      for (UsageRow row : report.rows()) {
        g.writeStartObject();
        g.writeStringField("start", row.start().toString());
        g.writeStringField("end", row.end().toString());
        g.writeStringField("model", row.model());
        counters(g, row.counters());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("totals");
      counters(g, report.totals());
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void counters(JsonGenerator g, UsageCounters c) throws IOException {
    for (UsageColumns.Column col : UsageColumns.ALL) {
      g.writeNumberField(col.name(), col.value().applyAsLong(c));
    }
  }

  /** CSV (RFC 4180): a header line, then one line per row. */
  public static byte[] csv(UsageReport report) {
    StringBuilder sb = new StringBuilder("start,end,model");
    for (UsageColumns.Column col : UsageColumns.ALL) {
      sb.append(',').append(col.name());
    }
    sb.append("\r\n");
    for (UsageRow row : report.rows()) {
      sb.append(row.start())
          .append(',')
          .append(row.end())
          .append(',')
          .append(csvField(row.model()));
      for (UsageColumns.Column col : UsageColumns.ALL) {
        sb.append(',').append(col.value().applyAsLong(row.counters()));
      }
      sb.append("\r\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String csvField(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
