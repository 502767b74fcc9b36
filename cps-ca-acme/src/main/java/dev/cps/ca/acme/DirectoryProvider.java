package dev.cps.ca.acme;

import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.AbstractAcmeProvider;
import org.shredzone.acme4j.toolbox.JSON;

/**
 * The acme4j provider for one configured directory: an HTTP client for each session (one shared
 * client serialised the sessions on its lock and its one connection), with the configured trust
 * anchors and timeouts, and the directory read once every ten minutes when the server does not say
 * how long to keep it (acme4j would otherwise read it again for every new order).
 */
final class DirectoryProvider extends AbstractAcmeProvider {
  private static final Duration KEEP_DIRECTORY = Duration.ofMinutes(10);
  /** acme4j compares directory expiry with the wall clock, so this does too. */
  private static final Clock WALL = Clock.systemUTC();

  private final URI directory;
  private final SSLContext ssl;
  private final Duration timeout;

  DirectoryProvider(AcmeSettings settings) {
    this.directory = settings.directory();
    this.ssl = TrustAnchors.sslContext(settings.trustAnchors());
    this.timeout = settings.timeout();
  }

  @Override
  public boolean accepts(URI serverUri) {
    return directory.equals(serverUri);
  }

  @Override
  public URL resolve(URI serverUri) {
    try {
      return serverUri.toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("directory is not a URL: " + serverUri, e);
    }
  }

  @Override
  public HttpClient createHttpClient(NetworkSettings networkSettings) {
    return HttpClient.newBuilder()
        .sslContext(ssl)
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .proxy(HttpClient.Builder.NO_PROXY)
        // A session sends one request at a time, so HTTP/2's multiplexing buys nothing; the JDK's
        // HTTP/2 client stalled requests against Pebble under load (30 s timeouts), HTTP/1.1 never.
        .version(HttpClient.Version.HTTP_1_1)
        // The client's own steps (TLS records, parsing the response) run on its selector thread
        // instead of being handed to a pool thread and back for every request.
        .executor(Runnable::run)
        .build();
  }

  @Override
  public @Nullable JSON directory(Session session, URI serverUri) throws AcmeException {
    JSON read = super.directory(session, serverUri);
    if (read != null && session.getDirectoryExpires() == null) {
      session.setDirectoryExpires(ZonedDateTime.now(WALL).plus(KEEP_DIRECTORY));
    }
    return read;
  }
}
