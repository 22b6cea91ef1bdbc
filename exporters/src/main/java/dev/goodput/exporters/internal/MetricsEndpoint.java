package dev.goodput.exporters.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
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

  /** Writes the whole exposition to {@code out} (left open). */
  public void write(OutputStream out) throws IOException {
    TextOut text = new TextOut(out);
    totals.write(text);
    text.flush();
    writer.write(out, others.scrape());
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
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      if (gzip) {
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, 0);
      OutputStream body = exchange.getResponseBody();
      if (gzip) {
        try (OutputStream zipped = new FastGzip(body)) {
          write(zipped);
        }
      } else {
        write(body);
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
        if (parts[0].trim().equalsIgnoreCase("gzip")
            && !(parts.length > 1 && parts[1].replace(" ", "").equals("q=0"))) {
          return true;
        }
      }
    }
    return false;
  }

  /** gzip at the fastest level, with a block-sized buffer. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
