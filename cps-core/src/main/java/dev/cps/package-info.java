/**
 * The API a host embeds: build a {@link dev.cps.CertificateProvisioner}, enroll, answer the
 * inputs it asks for, and let it run certificates through their lives.
 */
@NullMarked
package dev.cps;

import org.jspecify.annotations.NullMarked;
