/**
 * Benchmarks run as plain programs, each against a baseline measured in the same JVM: the
 * workflow against the crypto-only floor, an idle {@code runDue()} against a full scan.
 */
@NullMarked
package dev.cps.benchmarks;

import org.jspecify.annotations.NullMarked;
