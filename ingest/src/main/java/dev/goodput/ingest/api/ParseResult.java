package dev.goodput.ingest.api;

/** The outcome of parsing one record: a valid event, or the reason it was rejected. */
public sealed interface ParseResult {

  /** A record that satisfies the schema and the cross-field rules. */
  record Valid(InferenceEvent event) implements ParseResult {}

  /**
   * A record that does not; {@code reason} is a readable sentence naming the field and the rule,
   * suitable for the dead-letter header {@code goodput.error}.
   */
  record Invalid(String reason) implements ParseResult {}
}
