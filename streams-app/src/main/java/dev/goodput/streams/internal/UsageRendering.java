package dev.goodput.streams.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.streams.api.Percentiles;
import dev.goodput.streams.api.UsageColumns;
import dev.goodput.streams.api.UsageKey;
import dev.goodput.streams.api.UsageReport;
import dev.goodput.streams.api.UsageRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Renders a usage report as the contract's JSON document or as CSV with the same columns (a
 * percentile object becomes four columns, e.g. {@code ttft_ms_p50}).
 */
public final class UsageRendering {

  private static final JsonFactory JSON = new JsonFactory();
  private static final String[] QUANTILES = {"p50", "p90", "p95", "p99"};

  private UsageRendering() {}

  public static byte[] json(UsageReport report) {
    return document(report.tenant(), report, List.of(report));
  }

  /**
   * A usage document: the header (with {@code tenant} when it is one tenant's), the rows of {@code
   * reports} (each with its {@code tenant} when it is not), and {@code totals.totals()}.
   */
  private static byte[] document(String tenant, UsageReport totals, List<UsageReport> reports) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      if (tenant != null) {
        g.writeStringField("tenant", tenant);
      }
      g.writeStringField("from", totals.from().toString());
      g.writeStringField("to", totals.to().toString());
      g.writeStringField("granularity", totals.granularity().label());
      g.writeStringField("currency", "USD");
      g.writeArrayFieldStart("rows");
      for (UsageReport report : reports) {
        for (UsageRow row : report.rows()) {
          g.writeStartObject();
          if (tenant == null) {
            g.writeStringField("tenant", report.tenant());
          }
          g.writeStringField("start", row.start().toString());
          g.writeStringField("end", row.end().toString());
          g.writeStringField("model", row.model());
          columns(g, new UsageColumns.Row(row.counters(), row.sketches()));
          g.writeEndObject();
        }
      }
      g.writeEndArray();
      g.writeObjectFieldStart("totals");
      columns(g, new UsageColumns.Row(totals.totals(), totals.totalSketches()));
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The key of a chargeback ledger record: {@code {"tenant":..,"model":..,"start":..}}. */
  public static String ledgerKey(UsageKey key) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("tenant", key.tenant());
      g.writeStringField("model", key.model());
      g.writeStringField("start", Instant.ofEpochMilli(key.hourStartMs()).toString());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * The value of a chargeback ledger record: tenant, model, start, end, currency, revision, then
   * the columns of a usage row.
   */
  public static byte[] ledgerValue(UsageKey key, HourlyValue row, long revision) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("tenant", key.tenant());
      g.writeStringField("model", key.model());
      g.writeStringField("start", Instant.ofEpochMilli(key.hourStartMs()).toString());
      g.writeStringField(
          "end", Instant.ofEpochMilli(key.hourStartMs() + InferenceEvent.HOUR_MS).toString());
      g.writeStringField("currency", "USD");
      g.writeNumberField("revision", revision);
      columns(g, new UsageColumns.Row(row.counters(), row.sketches()));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void columns(JsonGenerator g, UsageColumns.Row row) throws IOException {
    for (UsageColumns.Column col : UsageColumns.ALL) {
      Object v = col.value().apply(row);
      switch (col.kind()) {
        case INTEGER -> g.writeNumberField(col.name(), (Long) v);
        case DECIMAL_STRING -> g.writeStringField(col.name(), (String) v);
        case FRACTION -> g.writeNumberField(col.name(), (Double) v);
        case PERCENTILES -> {
          Percentiles p = (Percentiles) v;
          g.writeObjectFieldStart(col.name());
          g.writeNumberField("p50", p.p50());
          g.writeNumberField("p90", p.p90());
          g.writeNumberField("p95", p.p95());
          g.writeNumberField("p99", p.p99());
          g.writeEndObject();
        }
      }
    }
  }

  /**
   * The all-tenants report: the rows of every tenant's report, each with a {@code tenant} field,
   * and {@code totals} over all of them.
   */
  public static byte[] jsonAllTenants(List<UsageReport> reports, UsageReport overall) {
    return document(null, overall, reports);
  }

  /** The all-tenants report as CSV: a {@code tenant} column, then the columns of {@link #csv}. */
  public static byte[] csvAllTenants(List<UsageReport> reports) {
    StringBuilder sb = new StringBuilder("tenant,");
    sb.append(csvHeader());
    for (UsageReport report : reports) {
      for (UsageRow row : report.rows()) {
        sb.append(csvField(report.tenant())).append(',');
        csvRow(sb, row);
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** CSV (RFC 4180): a header line, then one line per row. */
  public static byte[] csv(UsageReport report) {
    StringBuilder sb = new StringBuilder(csvHeader());
    for (UsageRow row : report.rows()) {
      csvRow(sb, row);
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String csvHeader() {
    StringBuilder sb = new StringBuilder("start,end,model");
    for (UsageColumns.Column col : UsageColumns.ALL) {
      if (col.kind() == UsageColumns.Kind.PERCENTILES) {
        for (String q : QUANTILES) {
          sb.append(',').append(col.name()).append('_').append(q);
        }
      } else {
        sb.append(',').append(col.name());
      }
    }
    return sb.append("\r\n").toString();
  }

  private static void csvRow(StringBuilder sb, UsageRow row) {
    sb.append(row.start()).append(',').append(row.end()).append(',').append(csvField(row.model()));
    UsageColumns.Row r = new UsageColumns.Row(row.counters(), row.sketches());
    for (UsageColumns.Column col : UsageColumns.ALL) {
      Object v = col.value().apply(r);
      if (v instanceof Percentiles p) {
        sb.append(',').append(p.p50()).append(',').append(p.p90());
        sb.append(',').append(p.p95()).append(',').append(p.p99());
      } else {
        sb.append(',').append(v);
      }
    }
    sb.append("\r\n");
  }

  private static String csvField(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
