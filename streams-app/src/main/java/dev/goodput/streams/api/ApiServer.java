package dev.goodput.streams.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.goodput.streams.internal.RowsWire;
import dev.goodput.streams.internal.UsageRendering;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: {@code GET /v1/tenants/{tenant}/usage}, {@code /metrics}, {@code /healthz} and
 * {@code /readyz}. Bad requests get a 4xx with a JSON body {@code {"error": "..."}} that says what
 * is wrong; state that is not queryable yet gets {@code 503} with {@code Retry-After}.
 */
public final class ApiServer implements AutoCloseable {

  /** Liveness and readiness of the process behind the API. */
  public interface Health {
    /** The process can do its work (it may still be starting). */
    boolean alive();

    /** The process is processing and its state is queryable. */
    boolean ready();
  }

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final Instant LATEST = Instant.parse("9999-12-31T23:00:00Z");
  private static final String USAGE_PREFIX = "/v1/tenants/";
  private static final String USAGE_SUFFIX = "/usage";
  private static final Set<String> USAGE_PARAMS =
      Set.of("from", "to", "granularity", "model", "format");

  private final HttpServer server;
  private final ExecutorService executor;
  private final ApiKeys keys;

  private ApiServer(HttpServer server, ExecutorService executor, ApiKeys keys) {
    this.server = server;
    this.executor = executor;
    this.keys = keys;
  }

  /**
   * Binds and starts a server that answers from {@code queries} alone (a single instance).
   *
   * @param metrics the handler of {@code /metrics}
   */
  public static ApiServer start(
      ApiConfig config, UsageQueries queries, Health health, HttpHandler metrics)
      throws IOException {
    ApiServer api = bind(config);
    api.start(queries, queries, health, metrics);
    return api;
  }

  private static final String NODELAY = "sun.net.httpserver.nodelay";

  /**
   * Binds the port without serving yet, so that the bound port can be advertised to the other
   * instances ({@code application.server}) before the streams application starts.
   */
  public static ApiServer bind(ApiConfig config) throws IOException {
    // The JDK server leaves Nagle's algorithm on: the last small segment of every response then
    // waits for the client's delayed ACK (up to 40 ms on Linux); a 7 MB /metrics took twice as
    // long. Read once, when the first server is created; an explicit -D setting wins.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
    HttpServer server =
        HttpServer.create(new InetSocketAddress(config.bindAddress(), config.port()), 0);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            config.threads(),
            r -> {
              Thread t = new Thread(r, "goodput-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    return new ApiServer(server, executor, config.keys().orElse(null));
  }

  /**
   * Starts serving.
   *
   * @param local this instance's state, which other instances read through the internal endpoint
   * @param source where usage answers come from: {@code local}, or the whole group
   * @param metrics the handler of {@code /metrics}
   */
  public void start(UsageQueries local, UsageSource source, Health health, HttpHandler metrics) {
    server.createContext("/v1/tenants/", guarded(ex -> usage(ex, source, keys)));
    server.createContext("/v1/usage", guarded(ex -> allTenantsUsage(ex, source, keys)));
    server.createContext(ClusterUsage.ROWS_PATH, guarded(ex -> rows(ex, local, keys)));
    server.createContext(
        "/metrics",
        keys == null
            ? metrics
            : guarded(
                ex -> {
                  if (authorized(ex, keys, ApiKeys.Principal::isAdmin)) {
                    metrics.handle(ex);
                  }
                }));
    server.createContext("/healthz", guarded(ex -> status(ex, health::alive, "alive")));
    server.createContext("/readyz", guarded(ex -> status(ex, health::ready, "ready")));
    server.createContext(
        "/", guarded(ex -> error(ex, 404, "no such endpoint: " + ex.getRequestURI().getPath())));
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8080}. */
  public URI baseUri() {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getHostString() + ":" + a.getPort());
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static HttpHandler guarded(HttpHandler h) {
    // The exchange is closed only after the error answers: try-with-resources would close it
    // before its catch clauses run, and an error could then no longer be sent.
    return ex -> {
      try {
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
          ex.getResponseHeaders().set("Allow", "GET, HEAD");
          error(ex, 405, "method " + ex.getRequestMethod() + " is not allowed here; use GET");
          return;
        }
        h.handle(ex);
      } catch (NotReadyException e) {
        ex.getResponseHeaders().set("Retry-After", "1");
        error(ex, 503, e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
        error(ex, 500, "internal error: " + e);
      } finally {
        ex.close();
      }
    };
  }

  private static void status(HttpExchange ex, BooleanSupplier check, String what)
      throws IOException {
    boolean ok = check.getAsBoolean();
    if (!ok) {
      ex.getResponseHeaders().set("Retry-After", "1");
    }
    send(
        ex,
        ok ? 200 : 503,
        "text/plain; charset=utf-8",
        ((ok ? "" : "not ") + what + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Answers 401 for a missing or unknown key and 403 for a key without the right; the answer never
   * depends on whether the data asked for exists.
   */
  private static boolean authorized(
      HttpExchange ex, ApiKeys keys, Predicate<ApiKeys.Principal> allowed) throws IOException {
    if (keys == null) {
      return true;
    }
    String header = ex.getRequestHeaders().getFirst("Authorization");
    Optional<ApiKeys.Principal> principal =
        header != null && header.startsWith("Bearer ")
            ? keys.authenticate(header.substring("Bearer ".length()).trim())
            : Optional.empty();
    if (principal.isEmpty()) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      error(ex, 401, "missing or unknown API key; send 'Authorization: Bearer <key>'");
      return false;
    }
    if (!allowed.test(principal.get())) {
      error(ex, 403, "this API key may not read this");
      return false;
    }
    return true;
  }

  /** {@code GET /v1/usage}: every tenant's rows, each with its tenant; admin only. */
  private static void allTenantsUsage(HttpExchange ex, UsageSource source, ApiKeys keys)
      throws IOException {
    if (!ex.getRequestURI().getPath().equals("/v1/usage")) {
      error(ex, 404, "no such endpoint: " + ex.getRequestURI().getPath());
      return;
    }
    if (!authorized(ex, keys, ApiKeys.Principal::isAdmin)) {
      return;
    }
    UsageRequest request = usageRequest(ex);
    if (request == null) {
      return;
    }
    Map<String, List<HourlyUsage>> byTenant = new TreeMap<>();
    List<HourlyUsage> all = new ArrayList<>();
    for (HourlyUsage h :
        source.hourlyAllTenants(
            request.from().toEpochMilli(), request.to().toEpochMilli(), authorization(ex))) {
      if (request.model() == null || h.key().model().equals(request.model())) {
        byTenant.computeIfAbsent(h.key().tenant(), t -> new ArrayList<>()).add(h);
        all.add(h);
      }
    }
    List<UsageReport> reports = new ArrayList<>();
    byTenant.forEach(
        (tenant, hours) ->
            reports.add(
                UsageReport.of(
                    tenant, request.from(), request.to(), request.granularity(), hours)));
    if (request.csv()) {
      send(ex, 200, "text/csv; charset=utf-8", UsageRendering.csvAllTenants(reports));
    } else {
      UsageReport overall =
          UsageReport.of("*", request.from(), request.to(), request.granularity(), all);
      send(ex, 200, "application/json", UsageRendering.jsonAllTenants(reports, overall));
    }
  }

  /** The validated query of a usage request, or {@code null} after answering 400. */
  private static UsageRequest usageRequest(HttpExchange ex) throws IOException {
    try {
      return UsageRequest.parse(
          query(ex.getRequestURI().getRawQuery()), ex.getRequestHeaders().getFirst("Accept"));
    } catch (IllegalArgumentException e) {
      error(ex, 400, e.getMessage());
      return null;
    }
  }

  private static void usage(HttpExchange ex, UsageSource source, ApiKeys keys) throws IOException {
    String rawPath = ex.getRequestURI().getRawPath();
    if (!rawPath.endsWith(USAGE_SUFFIX)
        || rawPath.length() <= USAGE_PREFIX.length() + USAGE_SUFFIX.length()) {
      error(
          ex,
          404,
          "no such endpoint: "
              + ex.getRequestURI().getPath()
              + "; expected /v1/tenants/{tenant}/usage");
      return;
    }
    String rawTenant =
        rawPath.substring(USAGE_PREFIX.length(), rawPath.length() - USAGE_SUFFIX.length());
    if (rawTenant.contains("/")) {
      error(ex, 404, "no such endpoint; a tenant containing '/' must be percent-encoded (%2F)");
      return;
    }
    String tenant;
    try {
      tenant = URLDecoder.decode(rawTenant.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      error(ex, 400, "the tenant in the path is not valid percent-encoding");
      return;
    }
    if (!authorized(ex, keys, p -> p.mayRead(tenant))) {
      return;
    }
    UsageRequest request = usageRequest(ex);
    if (request == null) {
      return;
    }
    List<HourlyUsage> hours =
        source.hourly(
            tenant, request.from().toEpochMilli(), request.to().toEpochMilli(), authorization(ex));
    if (request.model() != null) {
      hours = hours.stream().filter(h -> h.key().model().equals(request.model())).toList();
    }
    UsageReport report =
        UsageReport.of(tenant, request.from(), request.to(), request.granularity(), hours);
    if (request.csv()) {
      send(ex, 200, "text/csv; charset=utf-8", UsageRendering.csv(report));
    } else {
      send(ex, 200, "application/json", UsageRendering.json(report));
    }
  }

  private static String authorization(HttpExchange ex) {
    return ex.getRequestHeaders().getFirst("Authorization");
  }

  /**
   * {@code GET /internal/v1/hourly?from=MS&to=MS&partitions=P,...[&tenant=T]}: the stored rows of
   * partitions owned here, for another instance to merge. Needs the right to read the tenant, or
   * admin without a tenant: the caller's own key is passed on.
   */
  private static void rows(HttpExchange ex, UsageQueries local, ApiKeys keys) throws IOException {
    Map<String, String> params;
    try {
      params = query(ex.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      error(ex, 400, e.getMessage());
      return;
    }
    String tenant = params.get("tenant");
    if (!authorized(
        ex, keys, tenant == null ? ApiKeys.Principal::isAdmin : p -> p.mayRead(tenant))) {
      return;
    }
    long from;
    long to;
    List<Integer> partitions = new ArrayList<>();
    try {
      from = Long.parseLong(params.getOrDefault("from", ""));
      to = Long.parseLong(params.getOrDefault("to", ""));
      for (String p : params.getOrDefault("partitions", "").split(",")) {
        partitions.add(Integer.parseInt(p));
      }
    } catch (NumberFormatException e) {
      error(ex, 400, "expected from=MS&to=MS&partitions=P,...[&tenant=T]: " + e.getMessage());
      return;
    }
    List<HourlyUsage> rows = new ArrayList<>();
    if (tenant == null) {
      rows.addAll(local.hourlyAllTenants(from, to, partitions));
    } else {
      for (int p : partitions) {
        rows.addAll(local.hourly(tenant, from, to, p));
      }
    }
    send(ex, 200, RowsWire.CONTENT_TYPE, RowsWire.encode(rows));
  }

  /** The validated query of a usage request. */
  private record UsageRequest(
      Instant from, Instant to, Granularity granularity, String model, boolean csv) {
    static UsageRequest parse(Map<String, String> params, String accept) {
      for (String name : params.keySet()) {
        if (!USAGE_PARAMS.contains(name)) {
          throw new IllegalArgumentException(
              "unknown query parameter '"
                  + name
                  + "'; expected one of from, to, granularity, model, format");
        }
      }
      Instant from = wholeHour(params, "from");
      Instant to = wholeHour(params, "to");
      if (!from.isBefore(to)) {
        throw new IllegalArgumentException(
            "'from' (" + from + ") must be before 'to' (" + to + ")");
      }
      String g = params.getOrDefault("granularity", "hour");
      Granularity granularity = Granularity.fromLabel(g);
      if (granularity == null) {
        throw new IllegalArgumentException(
            "'granularity' must be one of hour, day, month, total; got '" + g + "'");
      }
      String format = params.get("format");
      if (format != null && !format.equals("json") && !format.equals("csv")) {
        throw new IllegalArgumentException("'format' must be json or csv; got '" + format + "'");
      }
      boolean csv =
          "csv".equals(format) || (format == null && accept != null && accept.contains("text/csv"));
      return new UsageRequest(from, to, granularity, params.get("model"), csv);
    }

    private static Instant wholeHour(Map<String, String> params, String name) {
      String value = params.get(name);
      if (value == null) {
        throw new IllegalArgumentException(
            "query parameter '"
                + name
                + "' is required: an RFC 3339 time on a whole UTC hour, e.g. 2026-01-01T00:00:00Z");
      }
      Instant t;
      try {
        t = OffsetDateTime.parse(value).toInstant();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "'" + name + "' is not an RFC 3339 time: '" + value + "'; e.g. 2026-01-01T00:00:00Z");
      }
      if (t.isBefore(Instant.EPOCH) || t.isAfter(LATEST)) {
        throw new IllegalArgumentException(
            "'" + name + "' must be between 1970 and 9999; got " + value);
      }
      if (t.getNano() != 0 || t.getEpochSecond() % 3600 != 0) {
        throw new IllegalArgumentException("'" + name + "' must be a whole UTC hour; got " + value);
      }
      return t;
    }
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (out.put(name, value) != null) {
        throw new IllegalArgumentException(
            "query parameter '" + name + "' is given more than once");
      }
    }
    return out;
  }

  private static void error(HttpExchange ex, int status, String message) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    send(ex, status, "application/json", out.toByteArray());
  }

  private static void send(HttpExchange ex, int status, String contentType, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    }
  }
}
