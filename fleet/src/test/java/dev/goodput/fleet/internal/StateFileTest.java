package dev.goodput.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {

  @TempDir Path dir;

  @Test
  void shouldReadBackWhatWasSavedAndLeaveNoTemporaryFile() throws Exception {
    // Given a state file in a directory that does not exist yet
    StateFile file = new StateFile(dir.resolve("fleet/state.json"));
    FleetState state =
        new FleetState(
            "fleet-0a1b2c",
            "generator=1",
            1_200,
            new Reservation(1_200, 1_250, 1_767_225_600_123L, 2.5));

    // When
    file.save(state);
    file.save(state.at(1_250, null));

    // Then
    assertThat(file.load()).contains(new FleetState("fleet-0a1b2c", "generator=1", 1_250, null));
    try (var files = Files.list(dir.resolve("fleet"))) {
      assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("state.json");
    }
  }

  @Test
  void shouldKeepTheReservationAndItsExactSpeed() {
    // Given
    StateFile file = new StateFile(dir.resolve("state.json"));
    Reservation r = new Reservation(40, 60, 1_767_225_600_123L, 0.1 + 0.2);

    // When
    file.save(new FleetState("run", "c", 45, r));

    // Then
    assertThat(file.load().orElseThrow().inFlight()).isEqualTo(r);
  }

  @Test
  void shouldReportNoStateWhenThereIsNoFile() {
    assertThat(new StateFile(dir.resolve("missing.json")).load()).isEmpty();
  }

  @Test
  void shouldRefuseAFileThatIsNotAStateFile() throws Exception {
    // Given
    Path path = dir.resolve("state.json");
    Files.writeString(path, "{\"run_id\":\"x\"}", StandardCharsets.UTF_8);

    // When / Then
    assertThatThrownBy(() -> new StateFile(path).load())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("delete it to start a new run");
  }
}
