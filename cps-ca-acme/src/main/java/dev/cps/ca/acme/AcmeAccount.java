package dev.cps.ca.acme;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.KeyType;
import java.net.URL;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Metadata;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The account and the sessions that talk for it. The key lives in the key store under a fixed id
 * and is generated on first use; the account URL is not stored anywhere but found again by the key
 * ({@code onlyReturnExisting}) once per start, and registered when the server knows no account for
 * it. A server that forgets the account (a test server restarted empty) gets a new one on the next
 * call.
 *
 * <p>acme4j's sessions send one request at a time, so calls borrow one of a fixed number of
 * sessions for their requests; one that waits for the server between requests (an order being
 * validated or signed) gives its session back meanwhile.
 */
final class AcmeAccount {
  private static final Logger log = LoggerFactory.getLogger(AcmeAccount.class);

  /** One call to the server on a borrowed session. */
  interface SessionCall<T> {
    T run(Session session) throws AcmeException;
  }

  /** One call to the server as the account. */
  interface LoginCall<T> {
    T run(Login login) throws AcmeException;
  }

  private final AcmeSettings settings;
  private final BlockingQueue<Session> idle;
  private final ReentrantLock registering = new ReentrantLock();
  private volatile @Nullable KeyPair keyPair;
  private volatile @Nullable URL location;

  AcmeAccount(AcmeSettings settings) {
    this.settings = settings;
    DirectoryProvider provider = new DirectoryProvider(settings);
    this.idle = new ArrayBlockingQueue<>(settings.sessions());
    for (int i = 0; i < settings.sessions(); i++) {
      Session session = new Session(settings.directory(), provider);
      session.networkSettings().setTimeout(settings.timeout());
      idle.add(session);
    }
  }

  <T> T withSession(SessionCall<T> call) throws AcmeException {
    Session session;
    try {
      session = idle.poll(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaUnavailableException("interrupted while waiting for a session to " + settings.directory(), null, e);
    }
    if (session == null) {
      throw new CaUnavailableException("all " + settings.sessions() + " sessions to " + settings.directory()
          + " stayed busy for " + settings.timeout(), null, null);
    }
    try {
      return call.run(session);
    } finally {
      idle.add(session);
    }
  }

  /**
   * Runs the call as the account. If the server says it does not know the account, the account is
   * forgotten, so that the next call finds or registers it again, and the failure is rethrown.
   */
  <T> T withLogin(LoginCall<T> call) throws AcmeException {
    return withSession(session -> {
      URL account = location(session);
      try {
        return call.run(session.login(account, keyPair()));
      } catch (AcmeException | AcmeLazyLoadingException e) {
        if (Failures.isProblem(e, "accountDoesNotExist")) {
          forget(account);
        }
        throw e;
      }
    });
  }

  /** The account's URL, if it is known in this process yet. */
  @Nullable URL location() {
    return location;
  }

  private void forget(URL lost) {
    registering.lock();
    try {
      if (lost.equals(location)) {
        log.warn("The ACME server {} no longer knows account {}; the next call registers it again",
            settings.directory(), lost);
        location = null;
      }
    } finally {
      registering.unlock();
    }
  }

  private URL location(Session session) throws AcmeException {
    URL known = location;
    if (known != null) {
      return known;
    }
    registering.lock();
    try {
      if (location == null) {
        location = findOrRegister(session);
      }
      return location;
    } finally {
      registering.unlock();
    }
  }

  private URL findOrRegister(Session session) throws AcmeException {
    KeyPair key = keyPair();
    try {
      URL found = new AccountBuilder().onlyExisting().useKeyPair(key).createLogin(session).getAccountLocation();
      log.info("Using ACME account {} at {}", found, settings.directory());
      return found;
    } catch (AcmeServerException e) {
      if (!Failures.isProblem(e, "accountDoesNotExist")) {
        throw e;
      }
    }
    return register(session, key);
  }

  private URL register(Session session, KeyPair key) throws AcmeException {
    Metadata meta = session.getMetadata();
    if (!settings.termsAgreed()) {
      throw new TermsOfServiceNotAgreedException(settings.directory(), meta.getTermsOfService().orElse(null));
    }
    ExternalAccount external = settings.externalAccount();
    if (meta.isExternalAccountRequired() && external == null) {
      throw new CaRejectedException("the ACME server " + settings.directory() + " creates accounts only with an"
          + " External Account Binding: configure externalAccountBinding(keyId, hmacKey)",
          Failures.ERROR + "externalAccountRequired", null);
    }
    AccountBuilder builder = new AccountBuilder().useKeyPair(key).agreeToTermsOfService();
    settings.contacts().forEach(builder::addEmail);
    if (external != null) {
      builder.withKeyIdentifier(external.keyId(), external.macKey());
    }
    URL created = builder.createLogin(session).getAccountLocation();
    log.info("Registered ACME account {} at {}{}", created, settings.directory(),
        external == null ? "" : " bound to external account " + external.keyId());
    return created;
  }

  /** The account key pair, generated in the key store the first time (idempotent there). */
  KeyPair keyPair() {
    KeyPair known = keyPair;
    if (known != null) {
      return known;
    }
    PublicKey publicKey = settings.keyStore().generate(settings.accountKey(), KeyType.EC_P256);
    KeyPair pair = new KeyPair(publicKey, AccountSigning.preferred(settings.keyStore().privateKey(settings.accountKey())));
    keyPair = pair;
    return pair;
  }
}
