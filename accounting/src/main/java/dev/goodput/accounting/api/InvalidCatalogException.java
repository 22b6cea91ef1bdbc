package dev.goodput.accounting.api;

/**
 * A price or SLO policy entry that cannot be loaded; the message names the source, the entry, the
 * key and the reason. Nothing of a catalog that fails is applied.
 */
public final class InvalidCatalogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidCatalogException(String message) {
    super(message);
  }
}
