package dev.goodput.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * The API keys the HTTP API accepts, loaded from a YAML file that holds only their SHA-256 hashes:
 *
 * <pre>
 * keys:
 *   - name: billing
 *     sha256: 9f86d08...   # hex SHA-256 of the key
 *     role: admin          # admin, tenant:&lt;id&gt;, ingest or ingest:&lt;tenant&gt;
 * </pre>
 *
 * A presented key is compared with every stored hash in constant time.
 */
public final class ApiKeys {

  /** Who a key belongs to and what it may do. */
  public record Principal(String name, String role) {
    public boolean isAdmin() {
      return role.equals("admin");
    }

    /** Whether this key may read {@code tenant}'s usage. */
    public boolean mayRead(String tenant) {
      return isAdmin() || role.equals("tenant:" + tenant);
    }
  }

  private record Entry(byte[] sha256, Principal principal) {}

  private final List<Entry> entries;

  private ApiKeys(List<Entry> entries) {
    this.entries = entries;
  }

  /**
   * Loads a keys file.
   *
   * @throws ConfigException naming the file, the entry and the reason
   */
  public static ApiKeys load(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the API keys file: " + e.getMessage());
    }
    JsonNode keys = root == null ? null : root.get("keys");
    if (keys == null || !keys.isArray() || keys.isEmpty()) {
      throw new ConfigException(file + ": expected a non-empty list 'keys'");
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      JsonNode k = keys.get(i);
      String where = file + ": keys[" + i + "]";
      String hash = k.path("sha256").asText("");
      if (!hash.matches("[0-9a-fA-F]{64}")) {
        throw new ConfigException(where + ": 'sha256' must be 64 hex digits (the key's SHA-256)");
      }
      String role = k.path("role").asText("");
      if (!role.equals("admin")
          && !role.equals("ingest")
          && !(role.startsWith("tenant:") && role.length() > 7)
          && !(role.startsWith("ingest:") && role.length() > 7)) {
        throw new ConfigException(
            where
                + ": 'role' must be admin, tenant:<id>, ingest or ingest:<tenant>; got '"
                + role
                + "'");
      }
      entries.add(
          new Entry(
              HexFormat.of().parseHex(hash.toLowerCase(Locale.ROOT)),
              new Principal(k.path("name").asText("key " + i), role)));
    }
    return new ApiKeys(List.copyOf(entries));
  }

  /** The principal of a presented key, or empty for an unknown one; constant time in the key. */
  public Optional<Principal> authenticate(String presentedKey) {
    byte[] presented = sha256(presentedKey);
    Principal found = null;
    for (Entry e : entries) {
      // No early exit: every stored hash is compared, whatever matches.
      if (MessageDigest.isEqual(e.sha256(), presented)) {
        found = e.principal();
      }
    }
    return Optional.ofNullable(found);
  }

  /** The SHA-256 of a key, hex, as the keys file stores it. */
  public static String hash(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  /** A new random key (256 bits, hex). */
  public static String newKey() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return "gp_" + HexFormat.of().formatHex(b);
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
