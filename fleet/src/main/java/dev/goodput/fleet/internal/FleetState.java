package dev.goodput.fleet.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * What a fleet persists between runs.
 *
 * @param runId prefix of every event id of the run
 * @param content the generator's {@link EventGenerator#contentId() content id}: a restart with a
 *     different one starts a new run instead of continuing this one
 * @param nextSequence every sequence number below it has been acknowledged by Kafka
 * @param inFlight the reservation of the sequence numbers from {@code nextSequence} on that may
 *     have been sent without an acknowledgement, or {@code null} when there are none
 */
public record FleetState(
    @JsonProperty("run_id") String runId,
    @JsonProperty("content") String content,
    @JsonProperty("next_sequence") long nextSequence,
    @JsonProperty("in_flight") Reservation inFlight) {

  public FleetState {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(content, "content");
    if (nextSequence < 0) {
      throw new IllegalArgumentException("next_sequence must be >= 0");
    }
    if (inFlight != null && nextSequence >= inFlight.end()) {
      inFlight = null;
    }
  }

  /** A state with a new position. */
  public FleetState at(long next, Reservation reservation) {
    return new FleetState(runId, content, next, reservation);
  }
}
