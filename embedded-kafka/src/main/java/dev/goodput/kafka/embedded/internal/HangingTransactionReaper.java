package dev.goodput.kafka.embedded.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aborts transactions left hanging on a partition of the embedded broker: an open transaction whose
 * producer the transaction coordinator no longer knows as open there.
 *
 * <p>Why: when the single node is killed after a transaction's commit was logged but before its
 * markers were written, the restarted node can drop the markers while its partitions are briefly
 * leaderless (its old registration is still being fenced). The transaction log says the transaction
 * is complete, the partitions keep it open forever, and their last stable offset never moves again,
 * so an exactly-once consumer group cannot fetch its offsets and stays rebalancing. No partition of
 * such a transaction received its commit marker (they all sit on this one node and were dropped
 * together), so aborting it everywhere rolls the whole transaction back consistently: its input is
 * processed again, exactly as after any aborted transaction. A candidate must be seen twice, one
 * check interval apart, before it is aborted, so a transaction that is just completing is left
 * alone.
 */
public final class HangingTransactionReaper implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HangingTransactionReaper.class);
  private static final Set<TransactionState> OPEN =
      EnumSet.of(
          TransactionState.ONGOING,
          TransactionState.PREPARE_COMMIT,
          TransactionState.PREPARE_ABORT,
          TransactionState.PREPARE_EPOCH_FENCE);

  private final Admin admin;
  private final ScheduledExecutorService timer;
  private Set<String> suspects = new HashSet<>();

  private HangingTransactionReaper(Admin admin, ScheduledExecutorService timer) {
    this.admin = admin;
    this.timer = timer;
  }

  /** Checks the broker at {@code bootstrapServers} every {@code intervalMs} until closed. */
  public static HangingTransactionReaper start(String bootstrapServers, long intervalMs) {
    Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "goodput-embedded-kafka-reaper"));
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "goodput-hanging-transaction-reaper");
              t.setDaemon(true);
              return t;
            });
    HangingTransactionReaper reaper = new HangingTransactionReaper(admin, timer);
    timer.scheduleWithFixedDelay(
        reaper::checkQuietly, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    return reaper;
  }

  private void checkQuietly() {
    try {
      check();
    } catch (Exception e) {
      // The broker may be starting or stopping; the next check tries again.
      LOG.debug("hanging transaction check failed: {}", e.toString());
    }
  }

  private void check() throws Exception {
    Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
    List<TopicPartition> partitions = new ArrayList<>();
    for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values()) {
      d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
    }
    Map<TopicPartition, ProducerState> open = new HashMap<>();
    Map<TopicPartition, PartitionProducerState> producers =
        admin.describeProducers(partitions).all().get();
    producers.forEach(
        (tp, state) ->
            state.activeProducers().stream()
                .filter(p -> p.currentTransactionStartOffset().isPresent())
                .forEach(p -> open.put(tp, p)));
    if (open.isEmpty()) {
      suspects = new HashSet<>();
      return;
    }
    Map<Long, TransactionDescription> coordinatorView = describeTransactions();
    // Group the abandoned open transactions by producer and epoch: one group is one transaction.
    Map<String, List<TopicPartition>> groups = new HashMap<>();
    Map<String, ProducerState> producerOf = new HashMap<>();
    for (Map.Entry<TopicPartition, ProducerState> e : open.entrySet()) {
      TopicPartition tp = e.getKey();
      ProducerState p = e.getValue();
      TransactionDescription d = coordinatorView.get(p.producerId());
      boolean live =
          d != null
              && OPEN.contains(d.state())
              && d.producerEpoch() == p.producerEpoch()
              && d.topicPartitions().contains(tp);
      // Only a transaction its producer has moved on from (a later epoch) or the coordinator does
      // not know at all can never complete by itself.
      boolean abandoned = d == null || d.producerEpoch() > p.producerEpoch();
      if (live || !abandoned) {
        continue;
      }
      String group = p.producerId() + "/" + p.producerEpoch();
      groups.computeIfAbsent(group, g -> new ArrayList<>()).add(tp);
      producerOf.put(group, p);
    }
    Set<String> stillSuspect = new HashSet<>();
    for (Map.Entry<String, List<TopicPartition>> g : groups.entrySet()) {
      String key =
          g.getKey()
              + "/"
              + new TreeSet<>(g.getValue().stream().map(TopicPartition::toString).toList());
      if (!suspects.contains(key)) {
        stillSuspect.add(key);
        continue;
      }
      // Aborting is safe only if the transaction's consumer offsets were not committed either:
      // then its input is processed again and nothing it wrote counts. If the offsets did commit,
      // aborting the partitions still open would lose their part of a committed transaction.
      boolean offsetsOpen =
          g.getValue().stream().anyMatch(tp -> tp.topic().equals("__consumer_offsets"));
      ProducerState p = producerOf.get(g.getKey());
      if (!offsetsOpen) {
        LOG.error(
            "a committed transaction (producer {} epoch {}) is still open on {}: its commit"
                + " markers were lost. Not aborting it, as that would drop committed data; resolve"
                + " it by hand (kafka-transactions.sh) or start from an empty data directory.",
            p.producerId(),
            p.producerEpoch(),
            g.getValue());
        continue;
      }
      for (TopicPartition tp : g.getValue()) {
        ProducerState ps = open.get(tp);
        LOG.warn(
            "aborting a hanging transaction on {} (producer {} epoch {}, open since offset {})",
            tp,
            ps.producerId(),
            ps.producerEpoch(),
            ps.currentTransactionStartOffset().getAsLong());
        admin
            .abortTransaction(
                new AbortTransactionSpec(
                    tp,
                    ps.producerId(),
                    (short) ps.producerEpoch(),
                    ps.coordinatorEpoch().orElse(0)))
            .all()
            .get();
      }
    }
    suspects = stillSuspect;
  }

  private Map<Long, TransactionDescription> describeTransactions() throws Exception {
    Collection<TransactionListing> listings = admin.listTransactions().all().get();
    Map<Long, TransactionDescription> byProducer = new HashMap<>();
    if (listings.isEmpty()) {
      return byProducer;
    }
    List<String> ids = listings.stream().map(TransactionListing::transactionalId).toList();
    admin
        .describeTransactions(ids)
        .all()
        .get()
        .values()
        .forEach(d -> byProducer.put(d.producerId(), d));
    return byProducer;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    admin.close();
  }
}
