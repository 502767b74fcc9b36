/**
 * CSR building and certificate verification on BouncyCastle. Not API: exported only to the
 * testkit and the benchmarks.
 */
@NullMarked
package dev.cps.internal.crypto;

import org.jspecify.annotations.NullMarked;
