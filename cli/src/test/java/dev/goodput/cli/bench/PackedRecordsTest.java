package dev.goodput.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackedRecordsTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void givesBackEveryRecordAcrossChunks() {
    // Chunks of 16 bytes: records of 7 to 11 bytes, so most start a new chunk and none spans two.
    PackedRecords packed = new PackedRecords(100, 16);
    List<String> keys = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      keys.add("t" + (i % 7));
      values.add("{\"n\":" + i + "}");
      packed.add(bytes(keys.get(i)), bytes(values.get(i)), 1_000L + i);
    }

    assertThat(packed.size()).isEqualTo(100);
    for (int i = 0; i < 100; i++) {
      assertThat(new String(packed.key(i), StandardCharsets.UTF_8)).isEqualTo(keys.get(i));
      assertThat(new String(packed.value(i), StandardCharsets.UTF_8)).isEqualTo(values.get(i));
      assertThat(packed.timestampMs(i)).isEqualTo(1_000L + i);
    }
  }

  @Test
  void aClearedOneIsFilledAgainOverItsOwnChunks() {
    PackedRecords packed = new PackedRecords(4, 8);
    packed.add(bytes("a"), bytes("bcdef"), 1);
    packed.add(bytes("g"), bytes("hijkl"), 2); // the second chunk
    packed.clear();
    assertThat(packed.size()).isZero();

    packed.add(bytes("m"), bytes("n"), 3);
    packed.add(bytes("op"), bytes("qrs"), 4); // still the first chunk: 7 of its 8 bytes
    packed.add(bytes("t"), bytes("uvwxyz"), 5); // the second again, then a third
    packed.add(bytes("1"), bytes("2"), 6);

    assertThat(packed.size()).isEqualTo(4);
    assertThat(packed.capacity()).isEqualTo(4);
    assertThat(packed.key(0)).isEqualTo(bytes("m"));
    assertThat(packed.value(1)).isEqualTo(bytes("qrs"));
    assertThat(packed.key(2)).isEqualTo(bytes("t"));
    assertThat(packed.value(2)).isEqualTo(bytes("uvwxyz"));
    assertThat(packed.value(3)).isEqualTo(bytes("2"));
    assertThat(packed.timestampMs(3)).isEqualTo(6L);
  }

  @Test
  void fillsAChunkToItsLastByte() {
    PackedRecords packed = new PackedRecords(3, 8);
    packed.add(bytes("ab"), bytes("cdef"), 1);
    packed.add(bytes("g"), bytes("h"), 2); // exactly the 2 bytes left
    packed.add(bytes("i"), bytes("j"), 3); // a new chunk

    assertThat(packed.key(1)).isEqualTo(bytes("g"));
    assertThat(packed.value(1)).isEqualTo(bytes("h"));
    assertThat(packed.key(2)).isEqualTo(bytes("i"));
    assertThat(packed.value(2)).isEqualTo(bytes("j"));
  }

  @Test
  void refusesMoreRecordsThanItsCapacityAndRecordsLargerThanAChunk() {
    PackedRecords packed = new PackedRecords(1, 8);
    assertThatThrownBy(() -> packed.add(bytes("key"), bytes("a value"), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10 bytes");
    packed.add(bytes("k"), bytes("v"), 0);
    assertThatThrownBy(() -> packed.add(bytes("k"), bytes("v"), 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("room for 1");
  }
}
