package dev.goodput.streams.api;

import static dev.goodput.streams.api.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    assertThat(r.body())
        .isEqualTo(
            "{\"tenant\":\"acme\",\"from\":\"2026-01-01T10:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\","
                + "\"granularity\":\"day\",\"rows\":["
                + "{\"start\":\"2026-01-01T10:00:00Z\",\"end\":\"2026-01-02T00:00:00Z\",\"model\":\"m,2\","
                + "\"requests\":1,\"requests_ok\":1,\"requests_error\":0,\"requests_cancelled\":0,"
                + "\"input_tokens\":400,\"cached_input_tokens\":0,\"output_tokens\":40,\"reasoning_tokens\":0},"
                + "{\"start\":\"2026-01-01T10:00:00Z\",\"end\":\"2026-01-02T00:00:00Z\",\"model\":\"m1\","
                + "\"requests\":2,\"requests_ok\":2,\"requests_error\":0,\"requests_cancelled\":0,"
                + "\"input_tokens\":300,\"cached_input_tokens\":0,\"output_tokens\":30,\"reasoning_tokens\":0}],"
                + "\"totals\":{\"requests\":3,\"requests_ok\":3,\"requests_error\":0,\"requests_cancelled\":0,"
                + "\"input_tokens\":700,\"cached_input_tokens\":0,\"output_tokens\":70,\"reasoning_tokens\":0}}");
  }

  @Test
  void shouldAnswerCsvWithTheSameColumnsWhenAskedByHeaderOrParameter() throws Exception {
    String query = "/v1/tenants/acme/usage?from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z";
    String expected =
        "start,end,model,requests,requests_ok,requests_error,requests_cancelled,input_tokens,"
            + "cached_input_tokens,output_tokens,reasoning_tokens\r\n"
            + "2026-01-01T10:00:00Z,2026-01-01T11:00:00Z,\"m,2\",1,1,0,0,400,0,40,0\r\n"
            + "2026-01-01T10:00:00Z,2026-01-01T11:00:00Z,m1,1,1,0,0,100,0,10,0\r\n";

    assertThat(get(query, "text/csv").body()).isEqualTo(expected);
    assertThat(get(query + "&format=csv", null).body()).isEqualTo(expected);
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
}
