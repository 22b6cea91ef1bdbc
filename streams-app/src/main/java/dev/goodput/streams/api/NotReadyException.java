package dev.goodput.streams.api;

/**
 * The state needed for an answer is not queryable right now (starting, restoring or rebalancing).
 * The caller should retry shortly; no partial answer is given.
 */
public final class NotReadyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotReadyException(String message, Throwable cause) {
    super(message, cause);
  }
}
