package dev.goodput.fleet.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The simulated tenants: ServeGen's biggest {@code m-large} clients in order of mean request rate,
 * each with a readable name. A request goes to tenant {@code i} with probability proportional to
 * that client's mean rate.
 */
public final class Tenants {

  static final String PATH = "servegen/m-large-top8-clients.csv";
  static final String HEADER = "rank,client,mean_rate_rps,share_of_all_clients";

  /** Names given to the clients, in rank order. */
  public static final List<String> NAMES =
      List.of("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka");

  /** One tenant and the ServeGen client whose weight it carries. */
  public record Tenant(String name, int servegenClient, double meanRateRps) {}

  private final List<Tenant> all;

  private Tenants(List<Tenant> all) {
    this.all = List.copyOf(all);
  }

  static Tenants read(Resources resources) {
    List<String> rows = Resources.rows(resources.lines(PATH), PATH, HEADER);
    if (rows.size() != NAMES.size()) {
      throw new IllegalStateException(PATH + ": expected " + NAMES.size() + " clients");
    }
    List<Tenant> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      String[] f = rows.get(i).split(",", -1);
      if (f.length != 4 || Integer.parseInt(f[0]) != i + 1) {
        throw new IllegalStateException(PATH + " row " + i + ": expected rank " + (i + 1));
      }
      out.add(new Tenant(NAMES.get(i), Integer.parseInt(f[1]), Double.parseDouble(f[2])));
    }
    return new Tenants(out);
  }

  /** All bundled tenants, highest weight first. */
  public List<Tenant> all() {
    return all;
  }

  /** The first {@code count} tenants: the ones a fleet with that many tenants uses. */
  public List<Tenant> first(int count) {
    if (count < 1 || count > all.size()) {
      throw new IllegalArgumentException("tenants: between 1 and " + all.size() + ", got " + count);
    }
    return all.subList(0, count);
  }

  /** The share of requests tenant {@code index} gets among the first {@code count}. */
  public double share(int index, int count) {
    double total = 0;
    for (Tenant t : first(count)) {
      total += t.meanRateRps();
    }
    return all.get(index).meanRateRps() / total;
  }
}
