package dev.goodput.cli.internal;

import dev.goodput.accounting.api.Catalog;
import dev.goodput.accounting.api.CatalogJson;
import dev.goodput.streams.api.StreamsAppConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** The demo's catalog: the config file's, or the bundled demo prices and SLO policies. */
public final class DemoCatalog {

  private static final String BUNDLED = "/dev/goodput/cli/demo-catalog.yaml";

  private DemoCatalog() {}

  /** Creates the topics if needed and applies the catalog; returns the catalog applied. */
  public static Catalog apply(
      Map<String, String> kafka, ConfigFile file, StreamsAppConfig streams) {
    Pipeline.ensureTopics(kafka, streams);
    Catalog catalog = file.catalog();
    if (catalog.prices().isEmpty() && catalog.policies().isEmpty()) {
      catalog = bundled();
    }
    CatalogPublisher.publish(kafka, catalog);
    return catalog;
  }

  static Catalog bundled() {
    try (InputStream in = DemoCatalog.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException(
            "the bundled demo catalog " + BUNDLED + " is missing from the jar");
      }
      return CatalogJson.parse(in.readAllBytes(), BUNDLED);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
