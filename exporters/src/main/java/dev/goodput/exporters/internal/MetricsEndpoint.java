package dev.goodput.exporters.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * {@code GET /metrics} in the Prometheus text format 0.0.4: the persisted totals, then everything
 * else registered with client_java (Micrometer's JVM and Kafka Streams meters, events per source).
 * The body is streamed as it is rendered, gzipped at the fastest level when the scraper accepts it
 * (a scrape of 10,000 series is 75 MB of text; the default level costs several times the render).
 */
public final class MetricsEndpoint implements HttpHandler {

  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PersistedTotalsExposition totals;
  private final PrometheusRegistry others;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public MetricsEndpoint(PersistedTotalsExposition totals, PrometheusRegistry others) {
    this.totals = totals;
    this.others = others;
  }

  /** Everything one scrape writes, read before its first byte is sent. */
  private record Scrape(PersistedTotalsExposition.Snapshot totals, MetricSnapshots others) {}

  private Scrape read() {
    return new Scrape(totals.read(), others.scrape());
  }

  /** Writes the whole exposition to {@code out} (left open). */
  public void write(OutputStream out) throws IOException {
    write(out, read());
  }

  private void write(OutputStream out, Scrape scrape) throws IOException {
    TextOut text = new TextOut(out);
    totals.write(text, scrape.totals());
    text.flush();
    writer.write(out, scrape.others());
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        byte[] body =
            ("{\"error\":\"method " + method + " not allowed on /metrics; use GET\"}\n")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(405, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      boolean gzip = acceptsGzip(exchange.getRequestHeaders().get("Accept-Encoding"));
      Scrape scrape = null;
      if (method.equals("GET")) {
        try {
          scrape = read();
        } catch (RuntimeException e) {
          // Before any byte of the body: the scraper sees a failed scrape, not a partial one.
          byte[] body =
              ("could not read the metrics: "
                      + e
                      + "\nsee the pipeline's log; the next scrape tries again\n")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
          exchange.sendResponseHeaders(500, body.length);
          exchange.getResponseBody().write(body);
          return;
        }
      }
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      if (gzip) {
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      if (scrape == null) { // HEAD
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, 0);
      OutputStream body = exchange.getResponseBody();
      if (gzip) {
        try (OutputStream zipped = new FastGzip(body)) {
          write(zipped, scrape);
        }
      } else {
        write(body, scrape);
      }
    }
  }

  static boolean acceptsGzip(List<String> acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String header : acceptEncoding) {
      for (String coding : header.split(",")) {
        String[] parts = coding.trim().split(";");
        if (parts[0].trim().equalsIgnoreCase("gzip") && quality(parts) > 0) {
          return true;
        }
      }
    }
    return false;
  }

  /** The {@code q} parameter of a content coding: 1 when absent, 0 when unreadable. */
  private static double quality(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith("q=")) {
        try {
          return Double.parseDouble(p.substring(2).trim());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }

  /** gzip at the fastest level, with a block-sized buffer. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
