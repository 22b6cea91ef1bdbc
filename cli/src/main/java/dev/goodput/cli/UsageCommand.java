package dev.goodput.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.goodput.streams.api.UsageColumns;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code goodput usage}: a tenant's usage from the API, as a table, JSON or CSV. */
@Command(
    name = "usage",
    mixinStandardHelpOptions = true,
    description = "Print a tenant's usage over [from, to) from the usage API.")
final class UsageCommand implements Callable<Integer> {

  /** The table shows every column but the percentile objects (see --format json for those). */
  private static final List<UsageColumns.Column> COLUMNS =
      UsageColumns.ALL.stream().filter(c -> c.kind() != UsageColumns.Kind.PERCENTILES).toList();

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:8080",
      description = "API base URL (default: ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--tenant", required = true)
  String tenant;

  @Option(names = "--from", required = true, description = "RFC 3339, a whole UTC hour.")
  String from;

  @Option(names = "--to", required = true, description = "RFC 3339, a whole UTC hour (exclusive).")
  String to;

  @Option(
      names = "--granularity",
      defaultValue = "day",
      description = "hour, day, month or total (default: ${DEFAULT-VALUE}).")
  String granularity;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table, json or csv (default: ${DEFAULT-VALUE}).")
  String format;

  @Override
  public Integer call() throws Exception {
    if (!List.of("table", "json", "csv").contains(format)) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this), "--format must be table, json or csv; got " + format);
    }
    URI uri =
        URI.create(
            url.replaceAll("/+$", "")
                + "/v1/tenants/"
                + URLEncoder.encode(tenant, StandardCharsets.UTF_8).replace("+", "%20")
                + "/usage?from="
                + enc(from)
                + "&to="
                + enc(to)
                + "&granularity="
                + enc(granularity)
                + ("csv".equals(format) ? "&format=csv" : ""));
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      System.err.println(
          "goodput: the API answered " + response.statusCode() + ": " + response.body());
      return 1;
    }
    if (!"table".equals(format)) {
      System.out.print(response.body());
      if (!response.body().endsWith("\n")) {
        System.out.println();
      }
      return 0;
    }
    JsonNode report = new ObjectMapper().readTree(response.body());
    StringBuilder header =
        new StringBuilder(String.format("%-20s  %-20s  %-32s", "start", "end", "model"));
    for (UsageColumns.Column c : COLUMNS) {
      header.append(String.format("  %14s", c.name()));
    }
    System.out.println(header);
    for (JsonNode row : report.get("rows")) {
      StringBuilder line =
          new StringBuilder(
              String.format(
                  "%-20s  %-20s  %-32s",
                  row.get("start").asText(), row.get("end").asText(), row.get("model").asText()));
      for (UsageColumns.Column c : COLUMNS) {
        line.append(cell(c, row.get(c.name())));
      }
      System.out.println(line);
    }
    StringBuilder total = new StringBuilder(String.format("%-20s  %-20s  %-32s", "total", "", ""));
    for (UsageColumns.Column c : COLUMNS) {
      total.append(cell(c, report.get("totals").get(c.name())));
    }
    System.out.println(total);
    return 0;
  }

  /** A cell as the API wrote it: counts with separators, cost exact, attainment to 4 places. */
  private static String cell(UsageColumns.Column c, JsonNode value) {
    return switch (c.kind()) {
      case INTEGER -> String.format("  %,14d", value.asLong());
      case FRACTION -> String.format("  %14.4f", value.asDouble());
      default -> String.format("  %14s", value.asText());
    };
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
