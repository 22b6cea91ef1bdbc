package dev.goodput.ingest.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Strict parser for {@code event-v1}: the JSON schema plus the cross-field rules of the contract.
 *
 * <p>Every record either yields an {@link InferenceEvent} or a one-sentence reason naming the field
 * and the rule it breaks. Unknown top-level fields are ignored (forward compatibility); duplicate
 * keys, trailing content, non-finite numbers and wrong types are rejected. The parser is stateless
 * and thread-safe; it reads the bytes with a streaming parser and builds no tree.
 */
public final class EventParser {

  /** How far ahead of the wall clock an event's {@code timestamp_ms} may be. */
  public static final long MAX_FUTURE_SKEW_MS = 5 * 60_000L;

  /**
   * The largest token count accepted (10^12). The schema sets no maximum; without one, a few absurd
   * values would overflow the running totals.
   */
  public static final long MAX_TOKENS = 1_000_000_000_000L;

  /** The largest duration accepted, in milliseconds (10^10, about 115 days). */
  public static final double MAX_DURATION_MS = 1e10;

  private static final int MAX_ATTRIBUTES = 32;
  private static final int MAX_ATTRIBUTE_LENGTH = 256;
  private static final int MAX_ECHO = 80;

  // Duplicate keys are detected here rather than by Jackson's STRICT_DUPLICATE_DETECTION, which
  // keeps a set of names per object (3% of the stream thread): known fields by a bit each.
  private static final JsonFactory JSON =
      JsonFactory.builder()
          // Latencies are decimals; the fast parser gives the same (correctly rounded) doubles.
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .build();

  /**
   * One instance per tenant, model, slo_class, server and region name seen, up to {@link
   * #MAX_NAMES}: the accounting looks rows, prices and policies up by keys holding these names, and
   * equal names that are the same instance compare by reference and hash from the cache, instead of
   * reading both strings' bytes (the lookups of a busy pipeline miss the CPU cache more than they
   * compute). Past the bound, names stay as parsed; nothing but speed depends on it.
   */
  private static final ConcurrentHashMap<String, String> NAMES = new ConcurrentHashMap<>();

  static final int MAX_NAMES = 100_000;

  /** The schema's fields, each with its bit in {@link Fields#seen}. */
  private static final Map<String, Long> KNOWN =
      bits(
          "v",
          "event_id",
          "tenant",
          "model",
          "timestamp_ms",
          "status",
          "input_tokens",
          "cached_input_tokens",
          "output_tokens",
          "reasoning_tokens",
          "ttft_ms",
          "e2e_ms",
          "queue_ms",
          "gpu_seconds",
          "energy_joules",
          "slo_class",
          "server",
          "region",
          "attributes");

  private static Map<String, Long> bits(String... names) {
    Map<String, Long> out = new HashMap<>();
    for (int i = 0; i < names.length; i++) {
      out.put(names[i], 1L << i);
    }
    return Map.copyOf(out);
  }

  private EventParser() {}

  /**
   * Parses one record value.
   *
   * @param value the raw record bytes (UTF-8 JSON), possibly {@code null}
   * @param nowMs the wall clock, epoch milliseconds, against which future timestamps are judged
   */
  public static ParseResult parse(byte[] value, long nowMs) {
    if (value == null) {
      return new ParseResult.Invalid("record has no value (null); expected a JSON object");
    }
    try (JsonParser p = JSON.createParser(value)) {
      return parse(p, nowMs);
    } catch (Rejection r) {
      return new ParseResult.Invalid(r.getMessage());
    } catch (StreamReadException e) {
      return new ParseResult.Invalid("not valid JSON: " + e.getOriginalMessage());
    } catch (IOException | RuntimeException e) {
      // E.g. a number whose exponent does not fit: the record is bad, not the pipeline.
      return new ParseResult.Invalid("unreadable record: " + e);
    }
  }

  private static ParseResult parse(JsonParser p, long nowMs) throws IOException {
    JsonToken first = p.nextToken();
    if (first != JsonToken.START_OBJECT) {
      throw new Rejection("expected a JSON object, got " + describe(first));
    }
    Fields f = new Fields();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String name = p.currentName();
      f.checkFirst(name);
      p.nextToken();
      readField(p, name, f);
    }
    if (p.nextToken() != null) {
      throw new Rejection("trailing content after the JSON object");
    }
    return new ParseResult.Valid(f.toEvent(nowMs));
  }

  private static void readField(JsonParser p, String name, Fields f) throws IOException {
    switch (name) {
      case "v" -> {
        long v = readLong(p, name);
        if (v != 1) {
          throw new Rejection("field \"v\": must be 1 (this is schema version 1), got " + v);
        }
      }
      case "event_id" -> f.eventId = readString(p, name, 128, false);
      case "tenant" -> f.tenant = canonical(readString(p, name, 128, true));
      case "model" -> f.model = canonical(readString(p, name, 256, true));
      case "timestamp_ms" -> f.timestampMs = readLong(p, name);
      case "status" -> {
        String s = readString(p, name, 64, false);
        f.status = Status.fromWireName(s);
        if (f.status == null) {
          throw new Rejection(
              "field \"status\": must be one of ok, error, cancelled; got \"" + echo(s) + "\"");
        }
      }
      case "input_tokens" -> f.inputTokens = readTokens(p, name);
      case "cached_input_tokens" -> f.cachedInputTokens = readTokens(p, name);
      case "output_tokens" -> f.outputTokens = readTokens(p, name);
      case "reasoning_tokens" -> f.reasoningTokens = readTokens(p, name);
      case "ttft_ms" -> f.ttftMs = readDuration(p, name);
      case "e2e_ms" -> f.e2eMs = readDuration(p, name);
      case "queue_ms" -> f.queueMs = readDuration(p, name);
      case "gpu_seconds" -> f.gpuSeconds = readNumber(p, name);
      case "energy_joules" -> f.energyJoules = readNumber(p, name);
      case "slo_class" -> f.sloClass = canonical(readString(p, name, 64, false));
      case "server" -> f.server = canonical(readString(p, name, 256, false));
      case "region" -> f.region = canonical(readString(p, name, 64, false));
      case "attributes" -> f.attributes = readAttributes(p);
      default -> skipChecked(p);
    }
  }

  /** Skips the current value, rejecting duplicate keys in any object inside it. */
  private static void skipChecked(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      Set<String> names = new HashSet<>();
      for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
        if (!names.add(p.currentName())) {
          throw duplicate(p.currentName());
        }
        p.nextToken();
        skipChecked(p);
      }
    } else if (t == JsonToken.START_ARRAY) {
      while (p.nextToken() != JsonToken.END_ARRAY) {
        skipChecked(p);
      }
    }
  }

  /** Worded as Jackson's duplicate detection was. */
  private static Rejection duplicate(String name) {
    return new Rejection("not valid JSON: Duplicate field '" + echo(name) + "'");
  }

  private static long readTokens(JsonParser p, String name) throws IOException {
    long v = readLong(p, name);
    if (v > MAX_TOKENS) {
      throw new Rejection("field \"" + name + "\": at most " + MAX_TOKENS + ", got " + v);
    }
    return v;
  }

  private static double readDuration(JsonParser p, String name) throws IOException {
    double v = readNumber(p, name);
    if (v > MAX_DURATION_MS) {
      throw new Rejection(
          "field \""
              + name
              + "\": at most "
              + (long) MAX_DURATION_MS
              + " ms, got "
              + echo(p.getText()));
    }
    return v;
  }

  /** A non-negative JSON integer; {@code 3.0} counts as an integer, as JSON Schema says. */
  private static long readLong(JsonParser p, String name) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new Rejection("field \"" + name + "\": integer out of range, got " + p.getText());
      }
      return nonNegative(name, p.getLongValue());
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      try {
        BigDecimal d = p.getDecimalValue();
        return nonNegative(name, d.longValueExact());
      } catch (ArithmeticException | NumberFormatException e) {
        throw new Rejection("field \"" + name + "\": must be an integer, got " + echo(p.getText()));
      }
    }
    throw new Rejection("field \"" + name + "\": must be an integer, got " + describe(t));
  }

  private static long nonNegative(String name, long v) {
    if (v < 0) {
      throw new Rejection("field \"" + name + "\": must be >= 0, got " + v);
    }
    return v;
  }

  private static double readNumber(JsonParser p, String name) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw new Rejection("field \"" + name + "\": must be a number, got " + describe(t));
    }
    double v = p.getDoubleValue();
    if (!Double.isFinite(v)) {
      throw new Rejection("field \"" + name + "\": must be finite, got " + echo(p.getText()));
    }
    if (v < 0) {
      throw new Rejection("field \"" + name + "\": must be >= 0, got " + echo(p.getText()));
    }
    return v;
  }

  private static String readString(JsonParser p, String name, int maxLength, boolean printable)
      throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_STRING) {
      throw new Rejection("field \"" + name + "\": must be a string, got " + describe(t));
    }
    String s = p.getText();
    // One pass: count code points, and reject unpaired surrogates and (if asked) control chars.
    int length = 0;
    for (int i = 0; i < s.length(); i++, length++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new Rejection("field \"" + name + "\": not valid Unicode (an unpaired surrogate)");
      } else if (printable && (c < 0x20 || c == 0x7f)) {
        throw new Rejection(
            "field \""
                + name
                + "\": control character U+"
                + String.format("%04X", (int) c)
                + " at position "
                + i
                + " is not allowed");
      }
    }
    if (length == 0) {
      throw new Rejection("field \"" + name + "\": must not be empty");
    }
    if (length > maxLength) {
      throw new Rejection(
          "field \"" + name + "\": at most " + maxLength + " characters, got " + length);
    }
    return s;
  }

  /** The one instance of {@code name} (see {@link #NAMES}). */
  static String canonical(String name) {
    String known = NAMES.get(name);
    if (known != null) {
      return known;
    }
    if (NAMES.size() >= MAX_NAMES) {
      return name;
    }
    known = NAMES.putIfAbsent(name, name);
    return known == null ? name : known;
  }

  private static Map<String, String> readAttributes(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new Rejection(
          "field \"attributes\": must be an object of strings, got " + describe(p.currentToken()));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      if (v != JsonToken.VALUE_STRING) {
        throw new Rejection(
            "field \"attributes\": value of \""
                + echo(key)
                + "\" must be a string, got "
                + describe(v));
      }
      String s = p.getText();
      if (s.codePointCount(0, s.length()) > MAX_ATTRIBUTE_LENGTH) {
        throw new Rejection(
            "field \"attributes\": value of \""
                + echo(key)
                + "\" has more than "
                + MAX_ATTRIBUTE_LENGTH
                + " characters");
      }
      if (out.put(key, s) != null) {
        throw duplicate(key);
      }
      if (out.size() > MAX_ATTRIBUTES) {
        throw new Rejection("field \"attributes\": at most " + MAX_ATTRIBUTES + " entries");
      }
    }
    return out;
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "nothing (empty input)";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }

  private static String echo(String s) {
    return s.length() <= MAX_ECHO ? s : s.substring(0, MAX_ECHO) + "...";
  }

  /** Carries a rejection reason out of the nested readers; never escapes this class. */
  private static final class Rejection extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejection(String reason) {
      super(reason, null, false, false);
    }
  }

  /** The fields read so far; checked for presence and cross-field rules in {@link #toEvent}. */
  private static final class Fields {
    String eventId;
    String tenant;
    String model;
    Long timestampMs;
    Status status = Status.OK;
    Long inputTokens;
    long cachedInputTokens;
    Long outputTokens;
    long reasoningTokens;
    Double ttftMs;
    Double e2eMs;
    Double queueMs;
    String sloClass;
    String server;
    String region;
    Double gpuSeconds;
    Double energyJoules;
    Map<String, String> attributes = Map.of();

    /** Bits of the known fields read so far (see {@link #KNOWN}). */
    long seen;

    /** Unknown top-level fields read so far (rare: created on the first). */
    Set<String> unknown;

    /** Rejects a key already read in this object. */
    void checkFirst(String name) {
      Long bit = KNOWN.get(name);
      if (bit != null) {
        if ((seen & bit) != 0) {
          throw duplicate(name);
        }
        seen |= bit;
        return;
      }
      if (unknown == null) {
        unknown = new HashSet<>();
      }
      if (!unknown.add(name)) {
        throw duplicate(name);
      }
    }

    InferenceEvent toEvent(long nowMs) {
      require(eventId, "event_id");
      require(tenant, "tenant");
      require(model, "model");
      require(timestampMs, "timestamp_ms");
      require(inputTokens, "input_tokens");
      require(outputTokens, "output_tokens");
      if (cachedInputTokens > inputTokens) {
        throw new Rejection(
            "cached_input_tokens ("
                + cachedInputTokens
                + ") must not exceed input_tokens ("
                + inputTokens
                + ")");
      }
      if (reasoningTokens > outputTokens) {
        throw new Rejection(
            "reasoning_tokens ("
                + reasoningTokens
                + ") must not exceed output_tokens ("
                + outputTokens
                + ")");
      }
      if (status == Status.OK) {
        if (e2eMs == null) {
          throw new Rejection("e2e_ms is required when status is ok");
        }
        if (outputTokens >= 1 && ttftMs == null) {
          throw new Rejection("ttft_ms is required when status is ok and output_tokens >= 1");
        }
        if (ttftMs != null && ttftMs > e2eMs) {
          throw new Rejection(
              "ttft_ms (" + ttftMs + ") must not exceed e2e_ms (" + e2eMs + ") when status is ok");
        }
      }
      if (timestampMs > nowMs + MAX_FUTURE_SKEW_MS) {
        throw new Rejection(
            "timestamp_ms "
                + timestampMs
                + " ("
                + Instant.ofEpochMilli(timestampMs)
                + ") is more than 5 minutes ahead of the wall clock ("
                + Instant.ofEpochMilli(nowMs)
                + ")");
      }
      return new InferenceEvent(
          eventId,
          tenant,
          model,
          timestampMs,
          status,
          inputTokens,
          cachedInputTokens,
          outputTokens,
          reasoningTokens,
          ttftMs,
          e2eMs,
          queueMs,
          sloClass,
          server,
          region,
          gpuSeconds,
          energyJoules,
          attributes);
    }

    private static void require(Object value, String name) {
      if (value == null) {
        throw new Rejection("missing required field \"" + name + "\"");
      }
    }
  }
}
