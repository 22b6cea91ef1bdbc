package dev.goodput.accounting.api;

/**
 * How one request fared against its SLO policy. Only requests with status {@code ok} can violate or
 * be good; {@code tpotMs} is 0 when the request produced fewer than two tokens.
 */
public record Verdict(
    double tpotMs,
    boolean ttftViolation,
    boolean tpotViolation,
    boolean e2eViolation,
    boolean good) {}
