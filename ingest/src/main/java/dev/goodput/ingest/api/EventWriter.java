package dev.goodput.ingest.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes an {@link InferenceEvent} as an {@code event-v1} JSON object; {@link EventParser} reads it
 * back to an equal event. Absent optional fields are omitted.
 */
public final class EventWriter {

  private static final JsonFactory JSON = new JsonFactory();

  private EventWriter() {}

  /** The event as UTF-8 JSON bytes. */
  public static byte[] toJson(InferenceEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", 1);
      g.writeStringField("event_id", e.eventId());
      g.writeStringField("tenant", e.tenant());
      g.writeStringField("model", e.model());
      g.writeNumberField("timestamp_ms", e.timestampMs());
      g.writeStringField("status", e.status().wireName());
      g.writeNumberField("input_tokens", e.inputTokens());
      g.writeNumberField("cached_input_tokens", e.cachedInputTokens());
      g.writeNumberField("output_tokens", e.outputTokens());
      g.writeNumberField("reasoning_tokens", e.reasoningTokens());
      number(g, "ttft_ms", e.ttftMs());
      number(g, "e2e_ms", e.e2eMs());
      number(g, "queue_ms", e.queueMs());
      string(g, "slo_class", e.sloClass());
      string(g, "server", e.server());
      string(g, "region", e.region());
      number(g, "gpu_seconds", e.gpuSeconds());
      number(g, "energy_joules", e.energyJoules());
      if (!e.attributes().isEmpty()) {
        g.writeObjectFieldStart("attributes");
        for (Map.Entry<String, String> a : e.attributes().entrySet()) {
          g.writeStringField(a.getKey(), a.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  private static void number(JsonGenerator g, String name, Double value) throws IOException {
    if (value != null) {
      g.writeNumberField(name, value);
    }
  }

  private static void string(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }
}
