package dev.goodput.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventParserTest {

  private static final long NOW_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private static final String MINIMAL =
      "\"event_id\":\"e1\",\"tenant\":\"acme\",\"model\":\"m\",\"timestamp_ms\":1767225000000,"
          + "\"input_tokens\":10,\"output_tokens\":0,\"e2e_ms\":12.5";

  /** MINIMAL with one field set to a new value (replaced when present, else added). */
  private static String with(String field) {
    String key = field.substring(0, field.indexOf(':') + 1);
    if (MINIMAL.contains(key)) {
      return "{"
          + MINIMAL.replaceFirst(Pattern.quote(key) + "[^,]*", Matcher.quoteReplacement(field))
          + "}";
    }
    return "{" + MINIMAL + "," + field + "}";
  }

  private static ParseResult parse(String json) {
    return EventParser.parse(json.getBytes(StandardCharsets.UTF_8), NOW_MS);
  }

  private static InferenceEvent valid(String json) {
    ParseResult r = parse(json);
    assertThat(r).isInstanceOf(ParseResult.Valid.class);
    return ((ParseResult.Valid) r).event();
  }

  private static String reason(String json) {
    ParseResult r = parse(json);
    assertThat(r).isInstanceOf(ParseResult.Invalid.class);
    return ((ParseResult.Invalid) r).reason();
  }

  @Test
  void shouldApplySchemaDefaultsWhenOptionalFieldsAreAbsent() {
    InferenceEvent e = valid("{" + MINIMAL + "}");

    assertThat(e.eventId()).isEqualTo("e1");
    assertThat(e.tenant()).isEqualTo("acme");
    assertThat(e.status()).isEqualTo(Status.OK);
    assertThat(e.cachedInputTokens()).isZero();
    assertThat(e.reasoningTokens()).isZero();
    assertThat(e.ttftMs()).isNull();
    assertThat(e.e2eMs()).isEqualTo(12.5);
    assertThat(e.attributes()).isEmpty();
  }

  @Test
  void shouldReadEveryFieldOfAFullEvent() {
    String json =
        "{\"v\":1,\"event_id\":\"req-9\",\"tenant\":\"t\u00e9nant \\\"q\\\"\",\"model\":\"llama\","
            + "\"timestamp_ms\":1767225599999,\"status\":\"error\",\"input_tokens\":100,"
            + "\"cached_input_tokens\":40,\"output_tokens\":20,\"reasoning_tokens\":5,"
            + "\"ttft_ms\":120.5,\"e2e_ms\":900,\"queue_ms\":3,\"slo_class\":\"interactive\","
            + "\"server\":\"vllm-0\",\"region\":\"eu\",\"gpu_seconds\":0.5,\"energy_joules\":120,"
            + "\"attributes\":{\"team\":\"search\"},\"unknown_field\":{\"nested\":[1,2,3]}}";

    InferenceEvent e = valid(json);

    assertThat(e)
        .isEqualTo(
            new InferenceEvent(
                "req-9",
                "t\u00e9nant \"q\"",
                "llama",
                1_767_225_599_999L,
                Status.ERROR,
                100,
                40,
                20,
                5,
                120.5,
                900.0,
                3.0,
                "interactive",
                "vllm-0",
                "eu",
                0.5,
                120.0,
                Map.of("team", "search")));
    assertThat(e.hourStartMs()).isEqualTo(1_767_222_000_000L);
  }

  @Test
  void shouldGiveEqualTenantAndModelNamesAsOneInstance() {
    InferenceEvent first = valid("{" + MINIMAL + "}");
    InferenceEvent second = valid("{" + MINIMAL + "}");

    assertThat(second.tenant()).isEqualTo("acme").isSameAs(first.tenant());
    assertThat(second.model()).isSameAs(first.model());
    assertThat(second.eventId()).isEqualTo(first.eventId()).isNotSameAs(first.eventId());
    assertThat(EventParser.canonical(new String("acme"))).isSameAs(first.tenant());
  }

  @Test
  void shouldRoundTripThroughTheWriter() {
    InferenceEvent e =
        valid("{" + MINIMAL + ",\"status\":\"cancelled\",\"attributes\":{\"a\":\"b\"}}");

    InferenceEvent back = valid(new String(EventWriter.toJson(e), StandardCharsets.UTF_8));

    assertThat(back).isEqualTo(e);
  }

  @Test
  void shouldAcceptAnIntegerWrittenWithAZeroFraction() {
    InferenceEvent e =
        valid("{" + MINIMAL.replace("\"input_tokens\":10", "\"input_tokens\":10.0") + "}");

    assertThat(e.inputTokens()).isEqualTo(10);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json at all|not valid JSON",
        "[1,2]|expected a JSON object, got an array",
        "\"str\"|expected a JSON object, got a string",
        "|expected a JSON object, got nothing (empty input)",
      })
  void shouldRejectWhatIsNotAJsonObject(String body, String expected) {
    assertThat(reason(body == null ? "" : body)).startsWith(expected);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"input_tokens\":10|missing required field \"input_tokens\"",
        "\"event_id\":\"e1\"|missing required field \"event_id\"",
        "\"timestamp_ms\":1767225000000|missing required field \"timestamp_ms\"",
      })
  void shouldNameTheMissingRequiredField(String removed, String expected) {
    assertThat(reason("{" + MINIMAL.replace(removed + ",", "") + "}")).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"input_tokens\":-1|field \"input_tokens\": must be >= 0, got -1",
        "\"input_tokens\":1.5|field \"input_tokens\": must be an integer, got 1.5",
        "\"input_tokens\":\"10\"|field \"input_tokens\": must be an integer, got a string",
        "\"input_tokens\":99999999999999999999|field \"input_tokens\": integer out of range, got"
            + " 99999999999999999999",
        "\"timestamp_ms\":null|field \"timestamp_ms\": must be an integer, got null",
        "\"tenant\":\"\"|field \"tenant\": must not be empty",
        "\"tenant\":\"a\\u0007b\"|field \"tenant\": control character U+0007 at position 1 is not"
            + " allowed",
        "\"model\":\"x\\u007f\"|field \"model\": control character U+007F at position 1 is not"
            + " allowed",
        "\"status\":\"OK\"|field \"status\": must be one of ok, error, cancelled; got \"OK\"",
        "\"v\":2|field \"v\": must be 1 (this is schema version 1), got 2",
        "\"ttft_ms\":-0.5|field \"ttft_ms\": must be >= 0, got -0.5",
        "\"e2e_ms\":1e999|field \"e2e_ms\": must be finite, got 1e999",
        "\"slo_class\":7|field \"slo_class\": must be a string, got a number",
        "\"attributes\":[]|field \"attributes\": must be an object of strings, got an array",
        "\"attributes\":{\"k\":1}|field \"attributes\": value of \"k\" must be a string, got a"
            + " number",
      })
  void shouldRejectAFieldThatBreaksTheSchema(String field, String expected) {
    assertThat(reason(with(field))).isEqualTo(expected);
  }

  @Test
  void shouldRejectNumbersTooLargeToAccountInsteadOfFailing() {
    assertThat(reason(with("\"timestamp_ms\":1e9999999999")))
        .isEqualTo("field \"timestamp_ms\": must be an integer, got 1e9999999999");
    assertThat(reason(with("\"input_tokens\":1000000000001")))
        .isEqualTo("field \"input_tokens\": at most 1000000000000, got 1000000000001");
    assertThat(reason(with("\"e2e_ms\":1.8e308")))
        .isEqualTo("field \"e2e_ms\": must be finite, got 1.8e308");
    assertThat(reason(with("\"e2e_ms\":1e11")))
        .isEqualTo("field \"e2e_ms\": at most 10000000000 ms, got 1e11");
  }

  @Test
  void shouldRejectATenantWithAnUnpairedSurrogate() {
    assertThat(reason(with("\"tenant\":\"\\ud800x\"")))
        .isEqualTo("field \"tenant\": not valid Unicode (an unpaired surrogate)");
    assertThat(valid(with("\"tenant\":\"\\ud83d\\ude00\"")).tenant()).isEqualTo("\ud83d\ude00");
  }

  @Test
  void shouldRejectDuplicateKeysAndTrailingContent() {
    assertThat(reason("{" + MINIMAL + ",\"tenant\":\"other\"}"))
        .startsWith("not valid JSON: Duplicate field 'tenant'");
    assertThat(reason("{" + MINIMAL + "} {}")).isEqualTo("trailing content after the JSON object");
  }

  @Test
  void shouldRejectDuplicateKeysAtAnyDepthAndAmongUnknownFields() {
    assertThat(reason("{\"x\":1," + MINIMAL + ",\"x\":2}"))
        .isEqualTo("not valid JSON: Duplicate field 'x'");
    assertThat(reason("{" + MINIMAL + ",\"attributes\":{\"a\":\"1\",\"a\":\"2\"}}"))
        .isEqualTo("not valid JSON: Duplicate field 'a'");
    assertThat(reason("{" + MINIMAL + ",\"ext\":[{\"k\":{\"y\":1,\"y\":[]}}]}"))
        .isEqualTo("not valid JSON: Duplicate field 'y'");
    // Nesting deep enough to overflow a recursive skip is rejected with a reason, not a crash.
    assertThat(
            reason("{" + MINIMAL + ",\"ext\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}"))
        .contains("nesting depth (1001) exceeds the maximum allowed (1000");
    // The same name in different objects is no duplicate.
    assertThat(
            valid("{" + MINIMAL + ",\"ext\":{\"tenant\":{\"tenant\":[{\"tenant\":1}]}}}").tenant())
        .isEqualTo("acme");
  }

  @Test
  void shouldCountStringLengthInCharactersNotBytes() {
    String tenant128 = "\u00e9".repeat(128);
    assertThat(valid("{" + MINIMAL.replace("acme", tenant128) + "}").tenant()).isEqualTo(tenant128);
    assertThat(reason("{" + MINIMAL.replace("acme", tenant128 + "x") + "}"))
        .isEqualTo("field \"tenant\": at most 128 characters, got 129");
  }

  @Test
  void shouldRejectMoreThan32Attributes() {
    StringBuilder attrs = new StringBuilder();
    for (int i = 0; i < 33; i++) {
      attrs.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    assertThat(reason("{" + MINIMAL + ",\"attributes\":{" + attrs + "}}"))
        .isEqualTo("field \"attributes\": at most 32 entries");
  }

  @Test
  void shouldApplyTheCrossFieldRules() {
    assertThat(reason("{" + MINIMAL + ",\"cached_input_tokens\":11}"))
        .isEqualTo("cached_input_tokens (11) must not exceed input_tokens (10)");
    assertThat(
            reason(
                "{"
                    + MINIMAL.replace("\"output_tokens\":0", "\"output_tokens\":3")
                    + ",\"ttft_ms\":1,\"reasoning_tokens\":4}"))
        .isEqualTo("reasoning_tokens (4) must not exceed output_tokens (3)");
    assertThat(reason("{" + MINIMAL.replace(",\"e2e_ms\":12.5", "") + "}"))
        .isEqualTo("e2e_ms is required when status is ok");
    assertThat(reason("{" + MINIMAL.replace("\"output_tokens\":0", "\"output_tokens\":1") + "}"))
        .isEqualTo("ttft_ms is required when status is ok and output_tokens >= 1");
    assertThat(reason("{" + MINIMAL + ",\"ttft_ms\":12.6}"))
        .isEqualTo("ttft_ms (12.6) must not exceed e2e_ms (12.5) when status is ok");
  }

  @Test
  void shouldNotRequireLatenciesWhenTheRequestFailedOrWasCancelled() {
    String noLatency =
        MINIMAL
            .replace(",\"e2e_ms\":12.5", "")
            .replace("\"output_tokens\":0", "\"output_tokens\":4");

    assertThat(valid("{" + noLatency + ",\"status\":\"error\"}").status()).isEqualTo(Status.ERROR);
    assertThat(valid("{" + noLatency + ",\"status\":\"cancelled\"}").status())
        .isEqualTo(Status.CANCELLED);
  }

  @Test
  void shouldAcceptTtftEqualToE2e() {
    assertThat(valid("{" + MINIMAL + ",\"ttft_ms\":12.5}").ttftMs()).isEqualTo(12.5);
  }

  @Test
  void shouldRejectATimestampMoreThanFiveMinutesAheadOfTheWallClock() {
    String atLimit = MINIMAL.replace("1767225000000", String.valueOf(NOW_MS + 300_000));
    String beyond = MINIMAL.replace("1767225000000", String.valueOf(NOW_MS + 300_001));

    assertThat(valid("{" + atLimit + "}").timestampMs()).isEqualTo(NOW_MS + 300_000);
    assertThat(reason("{" + beyond + "}"))
        .isEqualTo(
            "timestamp_ms 1767225900001 (2026-01-01T00:05:00.001Z) is more than 5 minutes ahead"
                + " of the wall clock (2026-01-01T00:00:00Z)");
  }

  @Test
  void shouldRejectANullRecordValue() {
    assertThat(EventParser.parse(null, NOW_MS))
        .isEqualTo(new ParseResult.Invalid("record has no value (null); expected a JSON object"));
  }
}
