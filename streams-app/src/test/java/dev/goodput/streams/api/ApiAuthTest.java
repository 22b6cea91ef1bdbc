package dev.goodput.streams.api;

import static dev.goodput.streams.api.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every endpoint x role x key state; nothing reveals whether a tenant exists. */
class ApiAuthTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String RANGE = "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z";

  /** The endpoint other instances read rows from. */
  private static final String INTERNAL = "/internal/v1/hourly?from=0&to=1799999999999&partitions=0";

  private static final Map<String, String> KEYS =
      Map.of(
          "admin", ApiKeys.newKey(),
          "acme", ApiKeys.newKey(),
          "ingest", ApiKeys.newKey(),
          "unknown", ApiKeys.newKey());

  @TempDir Path dir;
  private TopologyFixture fx;
  private ApiServer api;

  @BeforeEach
  void start() throws Exception {
    fx = new TopologyFixture(dir.resolve("state"));
    fx.pipe(event("1", "acme", "m", Instant.parse("2026-01-01T10:00:00Z"), 10, 1));
    fx.pipe(event("2", "globex", "m", Instant.parse("2026-01-01T10:00:00Z"), 20, 2));
    Path keysFile = dir.resolve("keys.yaml");
    Files.writeString(
        keysFile,
        "keys:\n"
            + entry("billing", KEYS.get("admin"), "admin")
            + entry("acme-dashboard", KEYS.get("acme"), "tenant:acme")
            + entry("gateway", KEYS.get("ingest"), "ingest"));
    api =
        ApiServer.start(
            new ApiConfig(Map.of(ApiConfig.PORT, "0", ApiConfig.KEYS_FILE, keysFile.toString())),
            fx.queries,
            new AlwaysHealthy(),
            exchange -> {
              exchange.sendResponseHeaders(204, -1);
              exchange.close();
            });
  }

  private static String entry(String name, String key, String role) {
    return "  - name: "
        + name
        + "\n    sha256: "
        + ApiKeys.hash(key)
        + "\n    role: \""
        + role
        + "\"\n";
  }

  @AfterEach
  void stop() {
    api.close();
    fx.close();
  }

  private HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.baseUri() + path));
    if (key != null) {
      b.header("Authorization", "Bearer " + KEYS.get(key));
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "{0} with key {1} -> {2}")
  @CsvSource({
    "/v1/tenants/acme/usage,,401",
    "/v1/tenants/globex/usage,,401",
    "/v1/tenants/nobody/usage,,401",
    "/metrics,,401",
    "/v1/tenants/acme/usage,unknown,401",
    "/v1/tenants/nobody/usage,unknown,401",
    "/metrics,unknown,401",
    "/v1/tenants/acme/usage,acme,200",
    "/v1/tenants/globex/usage,acme,403",
    "/v1/tenants/nobody/usage,acme,403",
    "/metrics,acme,403",
    "/v1/tenants/acme/usage,ingest,403",
    "/v1/tenants/nobody/usage,ingest,403",
    "/metrics,ingest,403",
    "/v1/tenants/acme/usage,admin,200",
    "/v1/tenants/globex/usage,admin,200",
    "/v1/tenants/nobody/usage,admin,200",
    "/metrics,admin,204",
    "/v1/usage,,401",
    "/v1/usage,unknown,401",
    "/v1/usage,acme,403",
    "/v1/usage,ingest,403",
    "/v1/usage,admin,200",
    INTERNAL + "&tenant=acme,,401",
    INTERNAL + "&tenant=acme,unknown,401",
    INTERNAL + "&tenant=acme,acme,200",
    INTERNAL + "&tenant=globex,acme,403",
    INTERNAL + "&tenant=nobody,acme,403",
    INTERNAL + "&tenant=acme,ingest,403",
    INTERNAL + "&tenant=globex,admin,200",
    INTERNAL + "&tenant=nobody,admin,200",
    INTERNAL + ",,401",
    INTERNAL + ",acme,403",
    INTERNAL + ",ingest,403",
    INTERNAL + ",admin,200",
    "/healthz,,200",
    "/readyz,,200",
  })
  void shouldAnswerEveryEndpointByRoleAndKeyState(String path, String key, int status)
      throws Exception {
    String query = path.startsWith("/v1/") ? RANGE : "";

    assertThat(get(path + query, key).statusCode()).isEqualTo(status);
  }

  @ParameterizedTest(name = "key {0}")
  @CsvSource({"acme", "ingest", "unknown"})
  void shouldNotRevealWhetherATenantExists(String key) throws Exception {
    for (String[] pair :
        new String[][] {
          {"/v1/tenants/globex/usage" + RANGE, "/v1/tenants/nobody/usage" + RANGE},
          {INTERNAL + "&tenant=globex", INTERNAL + "&tenant=nobody"}
        }) {
      HttpResponse<String> existing = get(pair[0], key);
      HttpResponse<String> missing = get(pair[1], key);

      assertThat(missing.statusCode()).isEqualTo(existing.statusCode());
      assertThat(missing.body()).isEqualTo(existing.body());
      assertThat(missing.headers().map()).containsOnlyKeys(existing.headers().map().keySet());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"Basic YWRtaW46YWRtaW4=", "Bearer", "bearer x"})
  void shouldRefuseMalformedAuthorization(String header) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api.baseUri() + "/v1/tenants/acme/usage" + RANGE))
                .header("Authorization", header)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
  }
}
