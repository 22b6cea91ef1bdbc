package dev.goodput.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.goodput.ingest.api.EventParser;
import dev.goodput.ingest.api.EventWriter;
import dev.goodput.ingest.api.InferenceEvent;
import dev.goodput.ingest.api.ParseResult;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class EventGeneratorPropertyTest {

  private static final long NOW_MS = 1_767_225_600_000L;

  @Property(tries = 300)
  void shouldProduceValidReproducibleEventsForAnySettings(
      @ForAll long seed,
      @ForAll @LongRange(min = 0, max = 1_000_000_000_000L) long sequence,
      @ForAll @IntRange(min = 5, max = 8) int tenants,
      @ForAll @DoubleRange(min = 0, max = 0.5) double errorRatio,
      @ForAll @DoubleRange(min = 0, max = 0.5) double cancelRatio) {
    // Given
    EventGenerator g =
        new EventGenerator(FleetData.bundled(), "run-p", seed, tenants, errorRatio, cancelRatio);

    // When
    InferenceEvent e = g.event(sequence, NOW_MS);
    ParseResult parsed = EventParser.parse(EventWriter.toJson(e), NOW_MS);

    // Then
    assertThat(parsed).isInstanceOf(ParseResult.Valid.class);
    assertThat(e.eventId()).isEqualTo("run-p-" + sequence);
    assertThat(e.tenant()).isIn(Tenants.NAMES.subList(0, tenants));
    assertThat(g.event(sequence, NOW_MS)).isEqualTo(e);
    if (e.ttftMs() != null) {
      assertThat(e.ttftMs()).isLessThanOrEqualTo(e.e2eMs());
    }
  }
}
