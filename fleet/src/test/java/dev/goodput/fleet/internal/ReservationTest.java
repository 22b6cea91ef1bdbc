package dev.goodput.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReservationTest {

  private final AzureTrace trace = FleetData.bundled().trace();

  @Test
  void shouldScheduleByTheTraceGapsDividedBySpeed() {
    // Given a reservation anchored at t0, replaying twice as fast as the trace
    long t0 = 1_767_225_600_000L;
    Reservation r = new Reservation(0, 10, t0, 2.0);

    // When / Then: row 1 comes 4.314579 s after row 0 in the trace
    assertThat(r.timestampMs(trace, 0)).isEqualTo(t0);
    assertThat(r.timestampMs(trace, 1)).isEqualTo(t0 + 2_157);
  }

  @Test
  void shouldContinueAcrossTheEndOfTheSlice() {
    // Given a reservation starting at the last row of the first pass
    long t0 = 1_767_225_600_000L;
    Reservation r = new Reservation(4_999, 5_001, t0, 1.0);

    // When / Then: the wrap gap is the mean gap, then the first gap of the trace again
    // (1,023.316984 s / 4,999 = 204.704 ms; 204.704 + 4,314.579 = 4,519.283 ms)
    assertThat(r.timestampMs(trace, 5_000)).isEqualTo(t0 + 204);
    assertThat(r.timestampMs(trace, 5_001)).isEqualTo(t0 + 4_519);
  }
}
