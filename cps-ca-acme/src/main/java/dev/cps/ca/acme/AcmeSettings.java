package dev.cps.ca.acme;

import dev.cps.spi.KeyId;
import dev.cps.spi.PrivateKeyStore;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What the builder checked, as the CA reads it. */
record AcmeSettings(
    String id,
    URI directory,
    PrivateKeyStore keyStore,
    Clock clock,
    KeyId accountKey,
    boolean termsAgreed,
    List<String> contacts,
    @Nullable ExternalAccount externalAccount,
    List<X509Certificate> trustAnchors,
    @Nullable String preferredChain,
    @Nullable String profile,
    Duration timeout,
    AcmePolling polling,
    int sessions) {}
