package dev.cps.deploy;

import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentNetworkProvider;
import dev.cps.spi.PluginContext;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link FileSystemNetwork} from a {@code file:} URI: the path is the root, the query holds
 * the options, for instance
 * {@code file:///srv/certs/production?keep=5&reload=nginx+-s+reload&reloadTimeout=PT20S}.
 *
 * <ul>
 *   <li>{@code keep}: versions kept per enrollment (default 3)
 *   <li>{@code reload}: the reload command, split at spaces (URL-encoded; {@code +} is a space)
 *   <li>{@code reloadTimeout}: an ISO-8601 duration such as {@code PT30S}, or whole seconds
 * </ul>
 *
 * A PKCS#12 password is a secret and has no URI option: build the network with
 * {@link FileSystemNetwork#builder} for that.
 */
public final class FileSystemNetworkProvider implements DeploymentNetworkProvider {

  @Override
  public boolean accepts(URI location) {
    return "file".equalsIgnoreCase(location.getScheme());
  }

  /** @throws IllegalArgumentException naming the option and value that cannot be used */
  @Override
  public DeploymentNetwork create(URI location, PluginContext context) {
    Objects.requireNonNull(location, "location");
    if (!accepts(location) || location.isOpaque() || location.getPath() == null || location.getPath().isEmpty()
        || location.getAuthority() != null) {
      throw new IllegalArgumentException("a file-system network needs a URI like file:///srv/certs, not " + location);
    }
    FileSystemNetwork.Builder builder = FileSystemNetwork.builder(Path.of(location.getPath()));
    options(location).forEach((option, value) -> {
      switch (option) {
        case "keep" -> builder.keepVersions(integer(option, value));
        case "reload" -> builder.reloadCommand(Arrays.asList(value.strip().split("\\s+")));
        case "reloadTimeout" -> builder.reloadTimeout(duration(option, value));
        default -> throw new IllegalArgumentException("unknown option '" + option + "' in " + location
            + "; known: keep, reload, reloadTimeout");
      }
    });
    return builder.build();
  }

  private static Map<String, String> options(URI location) {
    Map<String, String> options = new LinkedHashMap<>();
    String query = location.getRawQuery();
    if (query == null || query.isEmpty()) {
      return options;
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String option = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (options.put(option, value) != null) {
        throw new IllegalArgumentException("option '" + option + "' appears twice in " + location);
      }
    }
    return options;
  }

  private static int integer(String option, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option '" + option + "' must be a whole number, was '" + value + "'", e);
    }
  }

  private static Duration duration(String option, String value) {
    try {
      return value.chars().allMatch(Character::isDigit) && !value.isEmpty()
          ? Duration.ofSeconds(Long.parseLong(value))
          : Duration.parse(value);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException("option '" + option + "' must be a duration such as PT30S or 30, was '"
          + value + "'", e);
    }
  }

  private static String decode(String raw) {
    return URLDecoder.decode(raw, StandardCharsets.UTF_8);
  }
}
