package dev.goodput.exporters;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Prometheus configuration and rules under {@code deploy/prometheus} pass {@code promtool}'s
 * checks and their own unit tests, those tests make every alert fire and stay quiet, and every
 * alert's {@code runbook} annotation points at a section of {@code deploy/RUNBOOK.md}.
 *
 * <p>Without {@code promtool} on the PATH the promtool tests are skipped, or fail when {@code
 * CI=true}.
 */
class PromtoolRulesTest {

  private static final String RUNBOOK = "deploy/RUNBOOK.md";
  private static final YAMLMapper YAML = new YAMLMapper();

  /** The Maven module's basedir is the working directory; the repository root is its parent. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static final Path PROMETHEUS = ROOT.resolve("deploy/prometheus");

  private record Alert(String name, Path file, JsonNode annotations) {}

  @BeforeAll
  static void repositoryRootHoldsThePrometheusRules() {
    assertThat(PROMETHEUS.resolve("rules"))
        .as("deploy/prometheus/rules under the repository root %s", ROOT)
        .isDirectory();
  }

  static Stream<Path> ruleFiles() throws IOException {
    return yamlFiles(PROMETHEUS.resolve("rules")).stream();
  }

  static Stream<Path> unitTestFiles() throws IOException {
    return yamlFiles(PROMETHEUS.resolve("tests")).stream();
  }

  @Test
  void shouldPassPromtoolCheckConfig() throws Exception {
    // When
    Promtool.Run run = Promtool.run(PROMETHEUS, "check", "config", "prometheus.yml");

    // Then
    assertThat(run.exitCode()).as(run.describe()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ruleFiles")
  void shouldPassPromtoolCheckRules(Path rules) throws Exception {
    // When
    Promtool.Run run =
        Promtool.run(rules.getParent(), "check", "rules", rules.getFileName().toString());

    // Then
    assertThat(run.exitCode()).as(run.describe()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unitTestFiles")
  void shouldPassPromtoolUnitTests(Path tests) throws Exception {
    // When: rule_files in a test file are relative to it
    Promtool.Run run =
        Promtool.run(tests.getParent(), "test", "rules", tests.getFileName().toString());

    // Then
    assertThat(run.exitCode()).as(run.describe()).isZero();
  }

  @Test
  void shouldPointEveryAlertsRunbookAtASectionOfTheRunbook() throws IOException {
    // Given
    List<Alert> alerts = alerts();
    Set<String> anchors = runbookAnchors();

    // Then
    assertThat(alerts).as("alerts in deploy/prometheus/rules").isNotEmpty();
    SoftAssertions softly = new SoftAssertions();
    for (Alert alert : alerts) {
      String where = alert.name() + " in " + alert.file().getFileName();
      for (String key : List.of("summary", "description", "runbook")) {
        softly
            .assertThat(text(alert.annotations(), key))
            .as("annotation %s of %s", key, where)
            .isNotBlank();
      }
      String runbook = text(alert.annotations(), "runbook");
      softly.assertThat(runbook).as("runbook of %s", where).startsWith(RUNBOOK + "#");
      softly
          .assertThat(anchors)
          .as("headings of %s, for the runbook %s of %s", RUNBOOK, runbook, where)
          .contains(runbook.substring(runbook.indexOf('#') + 1));
    }
    softly.assertAll();
  }

  @Test
  void shouldUnitTestEveryAlertFiringAndQuiet() throws IOException {
    // Given
    Set<String> firing = new TreeSet<>();
    Set<String> quiet = new TreeSet<>();
    for (Path file : yamlFiles(PROMETHEUS.resolve("tests"))) {
      for (JsonNode test : YAML.readTree(file.toFile()).path("tests")) {
        for (JsonNode check : test.path("alert_rule_test")) {
          boolean expectsAlerts = check.path("exp_alerts").size() > 0;
          (expectsAlerts ? firing : quiet).add(check.path("alertname").asText());
        }
      }
    }

    // Then
    SoftAssertions softly = new SoftAssertions();
    for (Alert alert : alerts()) {
      softly
          .assertThat(firing)
          .as("unit tests where %s fires", alert.name())
          .contains(alert.name());
      softly
          .assertThat(quiet)
          .as("unit tests where %s stays quiet", alert.name())
          .contains(alert.name());
    }
    softly.assertAll();
  }

  private static List<Alert> alerts() throws IOException {
    List<Alert> alerts = new ArrayList<>();
    for (Path file : yamlFiles(PROMETHEUS.resolve("rules"))) {
      for (JsonNode group : YAML.readTree(file.toFile()).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          if (rule.has("alert")) {
            alerts.add(new Alert(rule.get("alert").asText(), file, rule.path("annotations")));
          }
        }
      }
    }
    return alerts;
  }

  /** Anchors of the runbook's headings, as GitHub makes them. */
  private static Set<String> runbookAnchors() throws IOException {
    Set<String> anchors = new LinkedHashSet<>();
    boolean inCodeBlock = false;
    for (String line : Files.readAllLines(ROOT.resolve(RUNBOOK))) {
      if (line.startsWith("```")) {
        inCodeBlock = !inCodeBlock;
      } else if (!inCodeBlock && line.matches("#{1,6} .*")) {
        anchors.add(anchor(line.replaceFirst("^#+ ", "")));
      }
    }
    return anchors;
  }

  /** GitHub's rule: lower case, punctuation dropped, spaces to hyphens. */
  private static String anchor(String heading) {
    return heading
        .strip()
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{N} _-]", "")
        .replace(' ', '-');
  }

  private static String text(JsonNode node, String field) {
    return node.path(field).asText("");
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
    }
  }
}
