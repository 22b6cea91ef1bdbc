package dev.goodput.streams.api;

import dev.goodput.streams.internal.RowsWire;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Usage of every instance of the application. A tenant's rows live in one partition (events are
 * repartitioned by tenant): the query is read locally when this instance owns that partition and
 * forwarded to the owner otherwise. The all-tenants query asks every owner for exactly the
 * partitions it owns and merges; it is answered only when the owners cover every partition once. An
 * owner reads only partitions it holds as active, running tasks, so a rebalance or a restore in
 * progress gives {@link NotReadyException} (503), never a partial or stale number.
 */
public final class ClusterUsage implements UsageSource {

  /** The internal endpoint another instance reads rows from. */
  public static final String ROWS_PATH = "/internal/v1/hourly";

  private static final Serializer<String> TENANT = Serdes.String().serializer();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final KafkaStreams streams;
  private final HostInfo self;
  private final UsageQueries local;
  private final String partitionTopic;
  private final int partitionCount;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * @param self this instance's {@code application.server}
   * @param partitionCount the partitions of the input topic, which the by-tenant repartition topic
   *     has too
   */
  public ClusterUsage(
      KafkaStreams streams,
      HostInfo self,
      UsageQueries local,
      String applicationId,
      int partitionCount) {
    this.streams = streams;
    this.self = self;
    this.local = local;
    this.partitionTopic = GoodputTopology.tenantRepartitionTopic(applicationId);
    this.partitionCount = partitionCount;
  }

  @Override
  public List<HourlyUsage> hourly(String tenant, long fromMs, long toMs, String authorization) {
    KeyQueryMetadata owner =
        metadata(() -> streams.queryMetadataForKey(StoreNames.USAGE_HOURLY, tenant, TENANT));
    if (owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || owner.activeHost().port() < 0) {
      throw notReady("the owner of this tenant is not known yet (rebalancing)", null);
    }
    if (owner.activeHost().equals(self)) {
      return local.hourly(tenant, fromMs, toMs, owner.partition());
    }
    return join(
        fetch(owner.activeHost(), Set.of(owner.partition()), tenant, fromMs, toMs, authorization));
  }

  @Override
  public List<HourlyUsage> hourlyAllTenants(long fromMs, long toMs, String authorization) {
    Map<HostInfo, Set<Integer>> owners = owners();
    List<CompletableFuture<List<HourlyUsage>>> parts = new ArrayList<>();
    List<HourlyUsage> out = new ArrayList<>();
    owners.forEach(
        (host, partitions) -> {
          if (!host.equals(self)) {
            parts.add(fetch(host, partitions, null, fromMs, toMs, authorization));
          }
        });
    if (owners.containsKey(self)) {
      out.addAll(local.hourlyAllTenants(fromMs, toMs, owners.get(self)));
    }
    for (CompletableFuture<List<HourlyUsage>> part : parts) {
      out.addAll(join(part));
    }
    out.sort(HourlyUsage.ORDER);
    return out;
  }

  /** The active owner of every partition of the usage store; each partition exactly once. */
  private Map<HostInfo, Set<Integer>> owners() {
    Map<HostInfo, Set<Integer>> owners =
        new TreeMap<>(
            (a, b) ->
                a.host().equals(b.host())
                    ? Integer.compare(a.port(), b.port())
                    : a.host().compareTo(b.host()));
    Set<Integer> covered = new TreeSet<>();
    for (StreamsMetadata m :
        metadata(() -> streams.streamsMetadataForStore(StoreNames.USAGE_HOURLY))) {
      Set<Integer> mine =
          m.topicPartitions().stream()
              .filter(tp -> tp.topic().equals(partitionTopic))
              .map(TopicPartition::partition)
              .collect(Collectors.toCollection(TreeSet::new));
      for (int p : mine) {
        if (!covered.add(p)) {
          throw notReady("partition " + p + " has two owners (rebalancing)", null);
        }
      }
      if (!mine.isEmpty()) {
        owners.put(m.hostInfo(), mine);
      }
    }
    if (covered.size() != partitionCount) {
      throw notReady(
          covered.size() + " of " + partitionCount + " partitions have an owner (rebalancing)",
          null);
    }
    return owners;
  }

  private CompletableFuture<List<HourlyUsage>> fetch(
      HostInfo host,
      Set<Integer> partitions,
      String tenant,
      long fromMs,
      long toMs,
      String authorization) {
    String query =
        "from="
            + fromMs
            + "&to="
            + toMs
            + "&partitions="
            + partitions.stream().map(String::valueOf).collect(Collectors.joining(","))
            + (tenant == null
                ? ""
                : "&tenant=" + URLEncoder.encode(tenant, StandardCharsets.UTF_8));
    URI uri = URI.create("http://" + host.host() + ":" + host.port() + ROWS_PATH + "?" + query);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    String where = host.host() + ":" + host.port();
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .handle(
            (response, failure) -> {
              if (failure != null) {
                throw notReady("instance " + where + " did not answer (" + failure + ")", failure);
              }
              if (response.statusCode() == 503) {
                throw notReady("instance " + where + " is rebalancing or restoring", null);
              }
              if (response.statusCode() != 200) {
                throw new IllegalStateException(
                    "instance "
                        + where
                        + " answered "
                        + response.statusCode()
                        + ": "
                        + new String(response.body(), StandardCharsets.UTF_8)
                        + "; do all instances run the same version with the same keys file?");
              }
              return RowsWire.decode(response.body());
            });
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private interface Lookup<T> {
    T get();
  }

  /** Metadata of a client that is not running (yet) is not an answer. */
  private static <T> T metadata(Lookup<T> lookup) {
    try {
      return lookup.get();
    } catch (InvalidStateStoreException | IllegalStateException e) {
      throw notReady("this instance is not running yet", e);
    }
  }

  private static NotReadyException notReady(String why, Throwable cause) {
    return new NotReadyException(why + "; retry shortly", cause);
  }
}
