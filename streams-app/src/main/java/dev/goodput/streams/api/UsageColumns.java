package dev.goodput.streams.api;

import java.util.List;
import java.util.function.ToLongFunction;

/** The numeric columns of a usage row, in contract order; JSON and CSV share them. */
public final class UsageColumns {

  /** One column: its name in JSON and CSV, and how to read it. */
  public record Column(String name, ToLongFunction<UsageCounters> value) {}

  public static final List<Column> ALL =
      List.of(
          new Column("requests", UsageCounters::requests),
          new Column("requests_ok", UsageCounters::requestsOk),
          new Column("requests_error", UsageCounters::requestsError),
          new Column("requests_cancelled", UsageCounters::requestsCancelled),
          new Column("input_tokens", UsageCounters::inputTokens),
          new Column("cached_input_tokens", UsageCounters::cachedInputTokens),
          new Column("output_tokens", UsageCounters::outputTokens),
          new Column("reasoning_tokens", UsageCounters::reasoningTokens));

  private UsageColumns() {}
}
