package dev.goodput.cli.internal;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.accounting.api.PriceEntry;
import dev.goodput.accounting.api.SloPolicy;
import dev.goodput.streams.api.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes catalog entries to the catalog topic in one Kafka transaction: a running pipeline sees all
 * of them or none. Entries are upserted by identity; none is ever deleted.
 */
public final class CatalogPublisher {

  private CatalogPublisher() {}

  /** Publishes every entry of {@code catalog}; returns how many were written. */
  public static int publish(Map<String, String> kafka, Catalog catalog) {
    if (catalog.prices().isEmpty() && catalog.policies().isEmpty()) {
      return 0;
    }
    Map<String, Object> props = new HashMap<>(kafka);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "goodput-catalog-" + UUID.randomUUID());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    int written = 0;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      for (PriceEntry p : catalog.prices()) {
        producer.send(
            new ProducerRecord<>(Topics.CATALOG.name(), p.identity(), CatalogJson.toJson(p)));
        written++;
      }
      for (SloPolicy p : catalog.policies()) {
        producer.send(
            new ProducerRecord<>(Topics.CATALOG.name(), p.identity(), CatalogJson.toJson(p)));
        written++;
      }
      producer.commitTransaction();
    }
    return written;
  }
}
