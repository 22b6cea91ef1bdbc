package dev.goodput.streams.api;

import static dev.goodput.streams.api.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiServerTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Instant H10 = Instant.parse("2026-01-01T10:00:00Z");

  @TempDir Path stateDir;
  private TopologyFixture fx;
  private ApiServer api;
  private volatile boolean ready = true;

  @BeforeEach
  void start() throws Exception {
    fx = new TopologyFixture(stateDir);
    fx.pipe(event("1", "acme", "m1", H10.plusSeconds(10), 100, 10));
    fx.pipe(event("2", "acme", "m1", H10.plusSeconds(3600), 200, 20));
    fx.pipe(event("3", "acme", "m,2", H10.plusSeconds(20), 400, 40));
    fx.pipe(event("4", "a/b c+d", "m1", H10, 7, 1));
    ApiServer.Health health =
        new ApiServer.Health() {
          @Override
          public boolean alive() {
            return true;
          }

          @Override
          public boolean ready() {
            return ready;
          }
        };
    api =
        ApiServer.start(
            new ApiConfig(Map.of(ApiConfig.PORT, "0")),
            fx.queries,
            health,
            exchange -> {
              exchange.sendResponseHeaders(204, -1);
              exchange.close();
            });
  }

  @AfterEach
  void stop() {
    api.close();
    fx.close();
  }

  private HttpResponse<String> get(String pathAndQuery, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.baseUri() + pathAndQuery));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldAnswerADayReportAsTheContractsJson() throws Exception {
    HttpResponse<String> r =
        get(
            "/v1/tenants/acme/usage?from=2026-01-01T10:00:00Z&to=2026-01-02T00:00:00Z&granularity=day",
            null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode doc = new ObjectMapper().readTree(r.body());
    assertThat(doc.fieldNames())
        .toIterable()
        .containsExactly("tenant", "from", "to", "granularity", "currency", "rows", "totals");
    assertThat(doc.get("currency").asText()).isEqualTo("USD");
    assertThat(doc.get("rows")).hasSize(2);
    JsonNode m1 = doc.get("rows").get(1);
    assertThat(m1.fieldNames())
        .toIterable()
        .containsExactly(
            "start",
            "end",
            "model",
            "requests",
            "requests_ok",
            "requests_error",
            "requests_cancelled",
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "reasoning_tokens",
            "cost",
            "unpriced_requests",
            "good_requests",
            "good_output_tokens",
            "ttft_violations",
            "tpot_violations",
            "e2e_violations",
            "slo_attainment",
            "ttft_ms",
            "tpot_ms",
            "e2e_ms");
    assertThat(m1.get("start").asText()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(m1.get("end").asText()).isEqualTo("2026-01-02T00:00:00Z");
    assertThat(m1.get("model").asText()).isEqualTo("m1");
    assertThat(m1.get("requests").asLong()).isEqualTo(2);
    assertThat(m1.get("input_tokens").asLong()).isEqualTo(300);
    assertThat(m1.get("output_tokens").asLong()).isEqualTo(30);
    // No price is configured: both are unpriced and cost nothing; both meet the default SLO.
    assertThat(m1.get("cost").asText()).isEqualTo("0.000000");
    assertThat(m1.get("unpriced_requests").asLong()).isEqualTo(2);
    assertThat(m1.get("good_requests").asLong()).isEqualTo(2);
    assertThat(m1.get("good_output_tokens").asLong()).isEqualTo(30);
    assertThat(m1.get("slo_attainment").asDouble()).isEqualTo(1.0);
    assertThat(m1.get("ttft_ms").get("p99").asDouble()).isCloseTo(50.0, withinPercentage(0.5));
    assertThat(m1.get("e2e_ms").get("p50").asDouble()).isCloseTo(500.0, withinPercentage(0.5));
    assertThat(doc.get("rows").get(0).get("model").asText()).isEqualTo("m,2");
    assertThat(doc.get("totals").get("requests").asLong()).isEqualTo(3);
    assertThat(doc.get("totals").get("input_tokens").asLong()).isEqualTo(700);
  }

  @Test
  void shouldAnswerCsvWithTheSameColumnsWhenAskedByHeaderOrParameter() throws Exception {
    String query = "/v1/tenants/acme/usage?from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z";
    String header =
        "start,end,model,requests,requests_ok,requests_error,requests_cancelled,input_tokens,"
            + "cached_input_tokens,output_tokens,reasoning_tokens,cost,unpriced_requests,"
            + "good_requests,good_output_tokens,ttft_violations,tpot_violations,e2e_violations,"
            + "slo_attainment,ttft_ms_p50,ttft_ms_p90,ttft_ms_p95,ttft_ms_p99,tpot_ms_p50,"
            + "tpot_ms_p90,tpot_ms_p95,tpot_ms_p99,e2e_ms_p50,e2e_ms_p90,e2e_ms_p95,e2e_ms_p99";

    for (String body :
        new String[] {get(query, "text/csv").body(), get(query + "&format=csv", null).body()}) {
      String[] lines = body.split("\r\n");
      assertThat(lines).hasSize(3);
      assertThat(lines[0]).isEqualTo(header);
      assertThat(lines[1])
          .startsWith(
              "2026-01-01T10:00:00Z,2026-01-01T11:00:00Z,\"m,2\",1,1,0,0,400,0,40,0,0.000000,1,1,40,0,0,0,1.0,");
      assertThat(lines[2])
          .startsWith(
              "2026-01-01T10:00:00Z,2026-01-01T11:00:00Z,m1,1,1,0,0,100,0,10,0,0.000000,1,1,10,0,0,0,1.0,");
      assertThat(lines[2].split(",")).hasSize(header.split(",").length);
    }
  }

  @Test
  void shouldAnswerEveryTenantsRowsWithTheirTenantOnTheAllTenantsEndpoint() throws Exception {
    HttpResponse<String> r =
        get("/v1/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&granularity=total", null);

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode doc = new ObjectMapper().readTree(r.body());
    assertThat(doc.get("rows"))
        .extracting(
            n -> n.get("tenant").asText(),
            n -> n.get("model").asText(),
            n -> n.get("requests").asLong())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a/b c+d", "m1", 1L),
            org.assertj.core.groups.Tuple.tuple("acme", "m,2", 1L),
            org.assertj.core.groups.Tuple.tuple("acme", "m1", 2L));
    assertThat(doc.get("totals").get("requests").asLong()).isEqualTo(4);
    assertThat(doc.get("totals").get("input_tokens").asLong()).isEqualTo(707);
    String csv =
        get("/v1/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&format=csv", null).body();
    assertThat(csv).startsWith("tenant,start,end,model,requests,");
    assertThat(csv.split("\r\n")).hasSize(5);
  }

  @Test
  void shouldFilterByModelAndDecodeAPercentEncodedTenant() throws Exception {
    HttpResponse<String> r =
        get(
            "/v1/tenants/a%2Fb%20c+d/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"
                + "&granularity=total&model=m1",
            null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("{\"tenant\":\"a/b c+d\"").contains("\"requests\":1,");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "?to=2026-01-01T11:00:00Z|query parameter 'from' is required",
        "?from=2026-01-01T10:30:00Z&to=2026-01-01T11:00:00Z|'from' must be a whole UTC hour; got"
            + " 2026-01-01T10:30:00Z",
        "?from=yesterday&to=2026-01-01T11:00:00Z|'from' is not an RFC 3339 time: 'yesterday'",
        "?from=2026-01-01T10:00:00.0001Z&to=2026-01-01T11:00:00Z|'from' must be a whole UTC hour;"
            + " got 2026-01-01T10:00:00.0001Z",
        "?from=2026-01-01T10:00:00Z&to=%2B999999999-01-01T00:00:00Z|'to' must be between 1970 and"
            + " 9999",
        "?from=2026-01-01T11:00:00Z&to=2026-01-01T11:00:00Z|'from' (2026-01-01T11:00:00Z) must be"
            + " before 'to' (2026-01-01T11:00:00Z)",
        "?from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z&granularity=week|'granularity' must be"
            + " one of hour, day, month, total; got 'week'",
        "?from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z&grnularity=day|unknown query parameter"
            + " 'grnularity'",
        "?from=2026-01-01T10:00:00Z&from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z|query"
            + " parameter 'from' is given more than once",
      })
  void shouldAnswer400SayingWhatIsWrong(String query, String expected) throws Exception {
    HttpResponse<String> r = get("/v1/tenants/acme/usage" + query, null);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("{\"error\":\"").contains(expected);
  }

  @Test
  void shouldAnswer400ForABadlyEncodedTenant() throws Exception {
    // The JDK's client refuses to send a malformed URI, so speak HTTP by hand.
    try (Socket socket = new Socket(api.baseUri().getHost(), api.baseUri().getPort())) {
      socket
          .getOutputStream()
          .write(
              ("GET /v1/tenants/a%zz/usage?from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z"
                      + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String statusLine =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      assertThat(statusLine).startsWith("HTTP/1.1 400");
    }
  }

  @Test
  void shouldAnswerHealthReadinessAndUnknownPaths() throws Exception {
    assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get("/readyz", null).statusCode()).isEqualTo(200);
    ready = false;
    HttpResponse<String> notReady = get("/readyz", null);
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(get("/v2/nothing", null).statusCode()).isEqualTo(404);
    assertThat(get("/metrics", null).statusCode()).isEqualTo(204);
    HttpResponse<String> post =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api.baseUri() + "/v1/tenants/acme/usage"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void shouldAnswer503WithRetryAfterWhenTheStateIsNotQueryableAnd500ForAFault() throws Exception {
    UsageSource unavailable =
        new UsageSource() {
          @Override
          public java.util.List<HourlyUsage> hourly(
              String tenant, long fromMs, long toMs, String authorization) {
            throw new NotReadyException("partition 3 is restoring; retry shortly", null);
          }

          @Override
          public java.util.List<HourlyUsage> hourlyAllTenants(
              long fromMs, long toMs, String authorization) {
            throw new IllegalStateException("broken on purpose");
          }
        };
    try (ApiServer other = ApiServer.bind(new ApiConfig(Map.of(ApiConfig.PORT, "0")))) {
      other.start(fx.queries, unavailable, new AlwaysHealthy(), exchange -> exchange.close());
      String range = "?from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z";
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(other.baseUri().resolve("/v1/tenants/acme/usage" + range))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(r.body()).isEqualTo("{\"error\":\"partition 3 is restoring; retry shortly\"}");

      HttpResponse<String> fault =
          HTTP.send(
              HttpRequest.newBuilder(other.baseUri().resolve("/v1/usage" + range)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(fault.statusCode()).isEqualTo(500);
      assertThat(fault.body()).contains("broken on purpose");
    }
  }
}
