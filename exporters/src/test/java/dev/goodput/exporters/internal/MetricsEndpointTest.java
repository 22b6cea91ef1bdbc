package dev.goodput.exporters.internal;

import static dev.goodput.streams.api.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.goodput.exporters.Promtool;
import dev.goodput.exporters.api.MetricsConfig;
import dev.goodput.streams.api.HistogramEdges;
import dev.goodput.streams.api.TopologyFixture;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} over HTTP: plain and gzipped alike, valid for Prometheus's own parser. */
class MetricsEndpointTest {

  private static final Instant JAN = Instant.parse("2026-01-01T01:00:00Z");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  private TopologyFixture fx;
  private HttpServer server;
  private MetricsEndpoint endpoint;
  private URI uri;

  @BeforeEach
  void start() throws Exception {
    fx = new TopologyFixture(dir.resolve("state"));
    fx.pipe(event("a", "acme", "m", JAN, 3, 5));
    fx.pipe(event("b", "we\"ird\\ten ant \u00fc\u4e2d", "m", JAN, 4, 1));
    PrometheusRegistry others = new PrometheusRegistry();
    Gauge.builder()
        .name("other_value")
        .help("Registered with client_java.")
        .register(others)
        .set(7);
    endpoint =
        new MetricsEndpoint(
            new PersistedTotalsExposition(
                fx.queries,
                HistogramEdges.of(fx.queries.catalog()),
                MetricsConfig.of(Map.of("budgets.acme", "10")),
                TopologyFixture.WALL_CLOCK::toEpochMilli),
            others);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/metrics", endpoint);
    server.start();
    uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
  }

  @AfterEach
  void stop() {
    server.stop(0);
    fx.close();
  }

  @Test
  void shouldServeTheSameTextPlainAndGzipped() throws Exception {
    ByteArrayOutputStream direct = new ByteArrayOutputStream();
    endpoint.write(direct);

    HttpResponse<byte[]> plain =
        HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<InputStream> zipped =
        HTTP.send(
            HttpRequest.newBuilder(uri).header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofInputStream());

    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
    assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
    byte[] unzipped;
    try (InputStream in = new GZIPInputStream(zipped.body())) {
      unzipped = in.readAllBytes();
    }
    assertThat(plain.body()).isEqualTo(direct.toByteArray()).isEqualTo(unzipped);
    String text = direct.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(text)
        .contains("inference_requests_total{tenant=\"acme\",model=\"m\",status=\"ok\"} 1\n")
        .contains("other_value 7.0\n")
        .contains("goodput_tenant_monthly_budget_usd{tenant=\"acme\"} 10\n")
        .contains("tenant=\"we\\\"ird\\\\ten ant \u00fc\u4e2d\"");
  }

  @Test
  void shouldAnswerHeadWithoutABodyAndRefuseOtherMethods() throws Exception {
    HttpResponse<String> head =
        HTTP.send(
            HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> post =
        HTTP.send(
            HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(post.body()).contains("use GET");
  }

  @Test
  void shouldAcceptGzipOnlyWhenTheScraperDoes() {
    assertThat(MetricsEndpoint.acceptsGzip(null)).isFalse();
    assertThat(MetricsEndpoint.acceptsGzip(java.util.List.of("identity"))).isFalse();
    assertThat(MetricsEndpoint.acceptsGzip(java.util.List.of("gzip;q=0, identity"))).isFalse();
    assertThat(MetricsEndpoint.acceptsGzip(java.util.List.of("deflate, GZIP"))).isTrue();
    assertThat(MetricsEndpoint.acceptsGzip(java.util.List.of("gzip;q=0.5"))).isTrue();
    assertThat(MetricsEndpoint.acceptsGzip(java.util.List.of("gzip; q=0.000"))).isFalse();
  }

  @Test
  void shouldFailTheScrapeBeforeItsFirstByteWhenAReadFails() throws Exception {
    PrometheusRegistry failing = new PrometheusRegistry();
    MultiCollector broken =
        () -> {
          throw new IllegalStateException("boom");
        };
    failing.register(broken);
    server.removeContext("/metrics");
    server.createContext(
        "/metrics",
        new MetricsEndpoint(
            new PersistedTotalsExposition(
                fx.queries,
                HistogramEdges.of(fx.queries.catalog()),
                MetricsConfig.DEFAULT,
                TopologyFixture.WALL_CLOCK::toEpochMilli),
            failing));

    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(uri).header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofString());

    // A failed scrape, not a well-formed partial one that Prometheus would take as complete.
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(r.body()).contains("boom").doesNotContain("inference_");
  }

  @Test
  void shouldPassPromtoolsCheckOfTheExposition() throws Exception {
    Path scrape = dir.resolve("scrape.txt");
    try (var out = Files.newOutputStream(scrape)) {
      endpoint.write(out);
    }

    Promtool.Run run = Promtool.run(dir, scrape, "check", "metrics");

    assertThat(run.exitCode()).as(run.describe()).isZero();
  }
}
