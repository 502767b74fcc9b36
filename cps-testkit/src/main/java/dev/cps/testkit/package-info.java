/**
 * Test doubles that are real implementations: a {@link dev.cps.testkit.FakeCertificateAuthority}
 * that signs real certificates and can be scripted, in-memory stores, a network that records what
 * it was asked to serve, and a {@link dev.cps.testkit.MutableClock} that lets a test live through a
 * year of certificate lifecycle in milliseconds.
 */
@NullMarked
package dev.cps.testkit;

import org.jspecify.annotations.NullMarked;
