package dev.goodput.ingest.api;

/** How an inference request ended. The wire values are the lower-case names. */
public enum Status {
  OK("ok"),
  ERROR("error"),
  CANCELLED("cancelled");

  private final String wireName;

  Status(String wireName) {
    this.wireName = wireName;
  }

  /** The value used in events, metric labels and the API. */
  public String wireName() {
    return wireName;
  }

  /** The status with this wire name, or {@code null} if there is none. */
  public static Status fromWireName(String name) {
    for (Status s : values()) {
      if (s.wireName.equals(name)) {
        return s;
      }
    }
    return null;
  }
}
