package dev.goodput.fleet.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The fleet's state file: small JSON, replaced atomically (written to a temporary file in the same
 * directory, forced to disk, then moved over the old one), so a reader sees either the previous
 * state or the new one, never a mix.
 */
public final class StateFile {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  private final Path path;
  private final Path temporary;

  public StateFile(Path path) {
    this.path = path.toAbsolutePath();
    this.temporary = this.path.resolveSibling(this.path.getFileName() + ".tmp");
  }

  public Path path() {
    return path;
  }

  /**
   * The saved state, or empty when there is no file yet.
   *
   * @throws IllegalStateException if the file exists but is not a state file
   */
  public Optional<FleetState> load() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the fleet state file " + path, e);
    }
    try {
      return Optional.of(JSON.readValue(bytes, FleetState.class));
    } catch (JacksonException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "the fleet state file "
              + path
              + " is not readable ("
              + e.getMessage()
              + "); delete it to start a new run",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the fleet state file " + path, e);
    }
  }

  /** Replaces the saved state; when this returns, the new state is on disk. */
  public void save(FleetState state) {
    try {
      Path dir = path.getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      byte[] bytes = JSON.writeValueAsBytes(state);
      try (FileChannel ch =
          FileChannel.open(
              temporary,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(
          temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the fleet state file " + path, e);
    }
  }
}
