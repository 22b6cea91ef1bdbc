package dev.goodput.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A Java Flight Recorder recording (the JDK's "profile" settings) of one part of the benchmark, and
 * a summary of its CPU samples: where the threads spent their time, by thread group and by method.
 */
final class Profile implements AutoCloseable {

  private final Recording recording;
  private final Path file;

  private Profile(Recording recording, Path file) {
    this.recording = recording;
    this.file = file;
  }

  /** Starts recording; {@link #close} stops and writes {@code file}. */
  static Profile start(Path file) {
    try {
      Recording r = new Recording(Configuration.getConfiguration("profile"));
      r.setName("goodput-bench");
      r.start();
      return new Profile(r, file);
    } catch (IOException | ParseException e) {
      throw new IllegalStateException("could not start a flight recording: " + e.getMessage(), e);
    }
  }

  /** Stops recording and keeps nothing. */
  void discard() {
    recording.close();
  }

  @Override
  public void close() {
    recording.stop();
    try {
      recording.dump(file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    } finally {
      recording.close();
    }
  }

  /** Samples of one method or group, and their share of all samples counted. */
  record Entry(String name, long samples, double share) {}

  /**
   * The summary of a recording's CPU samples.
   *
   * @param run the recorded run
   * @param samples Java execution samples of all threads
   * @param threadGroups samples by part of the process (stream threads, broker, ...)
   * @param streamThreadHotPaths share of the stream threads' samples with a method on the stack
   *     (inclusive), for the pipeline's own methods and the Kafka Streams, client, RocksDB and
   *     DDSketch operations they call
   * @param streamThreadLibraries the stream threads' samples by the library of the innermost frame
   *     outside the JDK
   * @param streamThreadSelf the stream threads' samples by innermost frame
   * @param streamThreadNative the stream threads' samples in native code, by innermost frame
   */
  record Summary(
      Path file,
      Throughput.Run run,
      long samples,
      List<Entry> threadGroups,
      List<Entry> streamThreadHotPaths,
      List<Entry> streamThreadLibraries,
      List<Entry> streamThreadSelf,
      List<Entry> streamThreadNative) {}

  /** Frames worth naming in the hot paths: ours, and the operations of the libraries we call. */
  private static final List<String> HOT_PATH_FRAMES =
      List.of(
          "dev.goodput.",
          "com.datadoghq.sketch.ddsketch.DDSketch.",
          "org.rocksdb.RocksDB.",
          "org.apache.kafka.streams.state.internals.MeteredKeyValueStore.get",
          "org.apache.kafka.streams.state.internals.MeteredKeyValueStore.put",
          "org.apache.kafka.streams.state.internals.MeteredWindowStore.fetch",
          "org.apache.kafka.streams.state.internals.MeteredWindowStore.put",
          "org.apache.kafka.streams.state.internals.ThreadCache.",
          "org.apache.kafka.streams.processor.internals.StreamThread.maybeCommit",
          "org.apache.kafka.streams.processor.internals.StreamThread.pollRequests",
          "org.apache.kafka.streams.processor.internals.RecordCollectorImpl.send",
          "org.apache.kafka.clients.producer.KafkaProducer.send",
          "org.apache.kafka.clients.producer.KafkaProducer.commitTransaction",
          "org.apache.kafka.clients.consumer.KafkaConsumer.poll");

  /** Libraries by package prefix, most specific first. */
  private static final List<String[]> LIBRARIES =
      List.of(
          new String[] {"dev.goodput.", "goodput"},
          new String[] {"com.datadoghq.sketch.", "DDSketch"},
          new String[] {"com.fasterxml.jackson.", "Jackson"},
          new String[] {"org.rocksdb.", "RocksDB"},
          new String[] {"org.apache.kafka.streams.state.", "Kafka Streams stores and caches"},
          new String[] {"org.apache.kafka.streams.", "Kafka Streams runtime"},
          new String[] {"org.apache.kafka.clients.producer.", "Kafka producer"},
          new String[] {"org.apache.kafka.clients.consumer.", "Kafka consumer"},
          new String[] {"org.apache.kafka.common.metrics.", "Kafka metrics"},
          new String[] {"org.apache.kafka.", "Kafka common (records, serdes, network)"});

  /**
   * Reads {@code file}, the recording of {@code run}, and ranks what the CPU samples show, {@code
   * top} entries per list.
   */
  static Summary summarize(Path file, int top, Throughput.Run run) {
    Map<String, Long> groups = new HashMap<>();
    Map<String, Long> hot = new HashMap<>();
    Map<String, Long> libraries = new HashMap<>();
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> nativeFrames = new HashMap<>();
    long samples = 0;
    long streamSamples = 0;
    long nativeSamples = 0;
    try (RecordingFile in = new RecordingFile(file)) {
      while (in.hasMoreEvents()) {
        RecordedEvent e = in.readEvent();
        String type = e.getEventType().getName();
        boolean java = type.equals("jdk.ExecutionSample");
        if (!java && !type.equals("jdk.NativeMethodSample")) {
          continue;
        }
        RecordedThread thread = e.getThread("sampledThread");
        String group = group(thread == null ? "" : thread.getJavaName());
        RecordedStackTrace stack = e.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        List<String> frames = new ArrayList<>();
        for (RecordedFrame f : stack.getFrames()) {
          frames.add(name(f));
        }
        boolean stream = group.equals(STREAM_THREADS);
        if (!java) {
          if (stream) {
            nativeSamples++;
            nativeFrames.merge(frames.get(0), 1L, Long::sum);
          }
          continue;
        }
        samples++;
        groups.merge(group, 1L, Long::sum);
        if (!stream) {
          continue;
        }
        streamSamples++;
        self.merge(frames.get(0), 1L, Long::sum);
        libraries.merge(library(frames), 1L, Long::sum);
        Set<String> once = new HashSet<>();
        for (String f : frames) {
          if (HOT_PATH_FRAMES.stream().anyMatch(f::startsWith) && once.add(f)) {
            hot.merge(f, 1L, Long::sum);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file, e);
    }
    return new Summary(
        file,
        run,
        samples,
        ranked(groups, samples, top),
        ranked(hot, streamSamples, top),
        ranked(libraries, streamSamples, top),
        ranked(self, streamSamples, top),
        ranked(nativeFrames, nativeSamples, top));
  }

  private static String library(List<String> frames) {
    for (String f : frames) {
      if (f.startsWith("java.") || f.startsWith("jdk.") || f.startsWith("sun.")) {
        continue;
      }
      for (String[] l : LIBRARIES) {
        if (f.startsWith(l[0])) {
          return l[1];
        }
      }
      return "other";
    }
    return "JDK only";
  }

  static final String STREAM_THREADS = "stream threads";

  /** Which part of the process a thread belongs to, by its name. */
  static String group(String thread) {
    if (thread.startsWith("kafka-producer-network-thread")) {
      return "producer network threads";
    }
    if (thread.contains("GlobalStreamThread")) {
      return "global stream thread";
    }
    if (thread.contains("StreamThread")) {
      return STREAM_THREADS;
    }
    if (thread.contains("StateUpdater")) {
      return "state updater threads";
    }
    if (thread.equals("main")) {
      return "benchmark harness (main)";
    }
    if (thread.startsWith("bench-")) {
      return "benchmark harness";
    }
    if (thread.startsWith("data-plane-kafka")
        || thread.startsWith("kafka-")
        || thread.startsWith("broker-")
        || thread.startsWith("quorum-controller")
        || thread.startsWith("group-coordinator")
        || thread.startsWith("share-coordinator")
        || thread.startsWith("executor-")
        || thread.startsWith("ExpirationReaper")
        || thread.startsWith("AddPartitionsToTxnSenderThread")
        || thread.startsWith("TxnMarkerSenderThread")
        || thread.startsWith("LogCleaner")
        || thread.startsWith("transaction-log-manager")) {
      return "broker";
    }
    if (thread.startsWith("HTTP-Dispatcher") || thread.startsWith("goodput-api")) {
      return "API";
    }
    if (thread.startsWith("micrometer")) {
      return "metrics binders";
    }
    return "other";
  }

  /** Class and method; the numbered names of lambda classes are made stable. */
  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName().replaceAll("\\$\\$Lambda\\$.*", "\\$\\$Lambda")
        + "."
        + f.getMethod().getName();
  }

  private static List<Entry> ranked(Map<String, Long> counts, long total, int top) {
    List<Entry> out = new ArrayList<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(top)
        .forEach(
            e ->
                out.add(
                    new Entry(
                        e.getKey(), e.getValue(), total == 0 ? 0 : (double) e.getValue() / total)));
    return out;
  }
}
