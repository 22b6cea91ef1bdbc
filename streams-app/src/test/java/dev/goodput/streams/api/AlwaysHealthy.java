package dev.goodput.streams.api;

/** A process that is alive and ready, for API tests that are not about health. */
final class AlwaysHealthy implements ApiServer.Health {
  @Override
  public boolean alive() {
    return true;
  }

  @Override
  public boolean ready() {
    return true;
  }
}
